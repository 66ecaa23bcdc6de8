"""SQLite WAL checkpoints run on a background thread: bounded, consistent, stoppable, not fatal."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from monitor.core import checkpoint
from monitor.core.checkpoint import WRITER_AUTOCHECKPOINT_PAGES as BACKSTOP
from monitor.core.checkpoint import Checkpointer
from monitor.core.db import checkpointer_of, make_engine

PAGE = 4096


@pytest.fixture(autouse=True)
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Shrink the thread's waits so each test takes well under two seconds."""
    monkeypatch.setattr(checkpoint, "MIN_INTERVAL_S", 0.02)
    monkeypatch.setattr(checkpoint, "IDLE_TRUNCATE_S", 0.2)
    monkeypatch.setattr(checkpoint, "IDLE_EXIT_S", 0.4)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    with eng.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, blob BLOB)")
        conn.exec_driver_sql("CREATE TABLE n (total INTEGER)")
        conn.exec_driver_sql("INSERT INTO n VALUES (0)")
    yield eng
    eng.dispose()


def _write(eng: Engine, rows: int = 100) -> None:
    """One commit of `rows` rows of one page each, and the running total beside them."""
    with eng.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO t (blob) SELECT randomblob(3900) FROM "
            f"(WITH RECURSIVE r(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM r WHERE k < {rows})"
            " SELECT k FROM r)"
        )
        conn.exec_driver_sql(f"UPDATE n SET total = total + {rows}")


def _wait(until: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not until():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _wal(eng: Engine) -> Path:
    return Path(f"{eng.url.database}-wal")


def test_the_thread_checkpoints_and_keeps_the_wal_small(engine: Engine) -> None:
    ckpt = checkpointer_of(engine)
    assert ckpt is not None
    with engine.connect() as conn:
        # The writer's own checkpoint is only a backstop, far above one commit's frames.
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == BACKSTOP
    for _ in range(30):
        _write(engine)
        time.sleep(0.01)
    # 3,000 pages written, under the writer's backstop: only the thread can have copied them.
    _wait(lambda: ckpt.stats.complete >= 1)
    assert ckpt.stats.peak_wal_frames > 0 and ckpt.stats.failures == 0
    assert _wal(engine).stat().st_size <= (BACKSTOP + 100) * (PAGE + 24) + 32
    # Idle: the WAL is truncated, then the thread ends and the next commit starts it again.
    _wait(lambda: ckpt.stats.truncations >= 1 and not ckpt.running())
    assert _wal(engine).stat().st_size == 0
    _write(engine)
    assert ckpt.running()


def test_no_thread_for_read_only_transactions_or_when_disabled(tmp_path: Path) -> None:
    eng = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    with eng.begin() as conn:
        conn.exec_driver_sql("SELECT 1")
    ckpt = checkpointer_of(eng)
    assert ckpt is not None and not ckpt.running()
    eng.dispose()
    off = make_engine(f"sqlite:///{tmp_path / 'off.db'}", background_checkpoint=False)
    assert checkpointer_of(off) is None
    with off.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
    off.dispose()
    assert checkpointer_of(make_engine("sqlite://")) is None


READER = textwrap.dedent(
    """
    import sqlite3, sys, time
    conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=5)
    seen, bad, deadline = set(), 0, time.monotonic() + float(sys.argv[2])
    while time.monotonic() < deadline:
        conn.execute("BEGIN")
        rows = conn.execute("SELECT count(*) FROM t").fetchone()[0]
        total = conn.execute("SELECT total FROM n").fetchone()[0]
        conn.execute("COMMIT")
        bad += rows != total
        seen.add(rows)
    print(len(seen), bad)
    """
)


def test_another_process_reading_during_writes_sees_whole_commits(engine: Engine) -> None:
    """Each snapshot a reader takes while the thread checkpoints holds whole commits only."""
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(engine.url.database), "1.0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    ckpt = checkpointer_of(engine)
    assert ckpt is not None
    while reader.poll() is None:
        _write(engine, 50)
    out, _ = reader.communicate(timeout=10)
    distinct, inconsistent = map(int, out.split())
    assert inconsistent == 0
    assert distinct > 3  # it did read while commits and checkpoints went on
    assert ckpt.stats.runs > 0


def test_stop_checkpoints_the_last_commits_into_the_main_file(
    engine: Engine, tmp_path: Path
) -> None:
    ckpt = checkpointer_of(engine)
    assert ckpt is not None
    for _ in range(5):
        _write(engine, 20)
    # A second connection keeps the last close from checkpointing by itself.
    held = sqlite3.connect(str(engine.url.database))
    held.execute("SELECT total FROM n").fetchall()
    engine.dispose()  # what `waspada up`, the scheduler and the CLI do on SIGTERM or at exit
    assert not ckpt.running()
    # The main file alone, without its -wal, holds every commit.
    copy = tmp_path / "alone.db"
    shutil.copyfile(str(engine.url.database), copy)
    alone = sqlite3.connect(copy)
    assert alone.execute("SELECT count(*), (SELECT total FROM n) FROM t").fetchone() == (100, 100)
    alone.close()
    held.close()


def test_a_reader_on_an_old_snapshot_delays_the_checkpoint_without_harm(
    engine: Engine,
) -> None:
    ckpt = checkpointer_of(engine)
    assert ckpt is not None
    _write(engine)
    reader = sqlite3.connect(str(engine.url.database), isolation_level=None)
    reader.execute("BEGIN")
    assert reader.execute("SELECT total FROM n").fetchone() == (100,)
    for _ in range(5):
        _write(engine)  # the checkpoint cannot pass the reader's snapshot: the WAL grows
    time.sleep(0.1)
    assert reader.execute("SELECT total FROM n").fetchone() == (100,)
    reader.execute("COMMIT")
    reader.close()
    _write(engine)
    _wait(lambda: ckpt.stats.truncations >= 1)
    assert _wal(engine).stat().st_size == 0


def test_a_failing_checkpoint_is_logged_and_the_thread_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Another program holding the file exclusively: a warning, then checkpoints resume."""
    path = tmp_path / "x.db"
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE t (v)")
    setup.execute("INSERT INTO t VALUES (1)")
    setup.close()
    ckpt = Checkpointer(path)
    hog = sqlite3.connect(path, isolation_level=None, timeout=0)
    hog.execute("PRAGMA locking_mode=EXCLUSIVE")
    hog.execute("BEGIN EXCLUSIVE")
    hog.execute("INSERT INTO t VALUES (2)")
    hog.execute("COMMIT")  # keeps the file's exclusive lock until it closes
    with caplog.at_level(logging.WARNING, logger="monitor.core.checkpoint"):
        ckpt.wake()
        _wait(lambda: ckpt.stats.failures >= 1)
    assert "background checkpoint failed" in caplog.text
    assert ckpt.running()
    hog.close()
    ckpt.wake()
    _wait(lambda: ckpt.stats.truncations >= 1)
    ckpt.stop()
    assert not ckpt.running()
