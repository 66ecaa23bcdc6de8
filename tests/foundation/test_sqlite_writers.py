"""Two writers on one SQLite file: the second waits for the first instead of failing."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.core import migrate
from monitor.core.db import make_engine
from monitor.regions.models import Region


def test_read_then_write_waits_for_a_writer_that_commits_meanwhile(tmp_path: Path) -> None:
    """The `waspada alerts subscribe` beside `waspada up` crash: read, another commits, write."""
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    migrate.upgrade(engine)
    holding = threading.Event()
    released = threading.Event()

    def other_process_writes() -> None:
        with Session(engine) as other:
            other.add(Region(code="98", name="Other", level="province"))
            other.flush()  # holds the write lock until commit
            holding.set()
            time.sleep(0.5)
            other.commit()
            released.set()

    worker = threading.Thread(target=other_process_writes)
    worker.start()
    assert holding.wait(10)
    with Session(engine) as cli:
        # Begins once the other writer has committed; its read and write then agree.
        before = cli.scalar(select(func.count()).select_from(Region))
        assert released.is_set()
        cli.add(Region(code="99", name="Mine", level="province"))
        cli.commit()
    worker.join()
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Region)) == (before or 0) + 1
    engine.dispose()


def test_an_unknown_begin_mode_is_refused(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}").execution_options(
        sqlite_begin="EXCLUSIVE; DROP TABLE x"
    )
    with pytest.raises(ValueError, match="sqlite_begin"), Session(engine) as s:
        s.scalar(select(1))
    engine.dispose()


def test_a_command_blocked_past_the_timeout_says_one_line(tmp_path: Path) -> None:
    """A write lock held past WASPADA_SQLITE_BUSY_TIMEOUT: one Indonesian line, exit 75."""
    import os
    import sqlite3
    import subprocess
    import sys

    db = tmp_path / "held.db"
    engine = make_engine(f"sqlite:///{db}")
    migrate.upgrade(engine)
    engine.dispose()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process writing and not letting go
    env = {
        **os.environ,
        "WASPADA_DATA_DIR": str(tmp_path),
        "WASPADA_DATABASE_URL": f"sqlite:///{db}",
        "WASPADA_SQLITE_BUSY_TIMEOUT": "PT1S",
    }
    try:
        done = subprocess.run(
            [sys.executable, "-m", "monitor", "keys", "create", "--name", "x", "--role", "admin"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert done.returncode == 75, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines == [
        "waspada: Basis data SQLite sedang dipakai proses waspada lain dan tidak lepas "
        "dalam 1 detik; coba lagi, atau pakai PostgreSQL untuk banyak proses."
    ]
