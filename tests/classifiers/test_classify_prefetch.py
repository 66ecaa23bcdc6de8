"""`waspada classify` reads the database in a forked child while it imports its scoring half.

Real SQLite files, real forks and real subprocesses: the child's reads give the matcher the
database gives, a child that fails or dies sends the command down its one-process path, and
the command's own process never imports SQLAlchemy on the plain path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from monitor.cli import prefetch
from monitor.core.db import make_engine
from monitor.factchecks import service
from monitor.factchecks.schemas import parse_jsonl
from monitor.factchecks.snapshot import matcher_from_rows
from tests.support.processes import waspada_env
from tests.support.seeds.research import promote_base_model

CLAIM = "Surat suara sudah tercoblos untuk paslon 01 ditemukan di tujuh kontainer di Tanjung Priok"


def _import(url: str, records: list[dict[str, str]]) -> None:
    parsed = parse_jsonl("\n".join(json.dumps(r) for r in records).encode(), "Mafindo")
    engine = make_engine(url)
    with Session(engine) as s:
        service.import_records(s, [r for _, r in parsed.records])
        s.commit()
    engine.dispose()


def _env(monkeypatch: pytest.MonkeyPatch, data_dir: Path, url: str, **extra: str) -> None:
    for name, value in waspada_env(data_dir, url, **extra).items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("fresh_db_url", ["sqlite"], indirect=True)
def test_the_childs_reads_give_the_matcher_and_model_the_database_gives(
    fresh_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    _import(
        fresh_db_url,
        [
            {"id": "1", "title": "[SALAH] Surat suara tercoblos di kontainer", "claim": CLAIM},
            {"id": "2", "title": "[HOAKS] Video lama kerusuhan disebut terjadi kemarin"},
            {"id": "3", "title": "!!! ???"},  # no matchable text: the newest row, skipped
        ],
    )
    promote_base_model(fresh_db_url, data_dir, "m-child")
    _env(monkeypatch, data_dir, fresh_db_url, WASPADA_CLASSIFY_WORKERS="3")

    pending = prefetch.start(None)
    assert pending is not None
    snap = pending.result()
    assert snap is not None
    assert snap.model.version == "m-child" and snap.model.card["scoring"]["file"]
    assert snap.data_dir == data_dir and snap.classify_workers == 3
    assert [row[0] for row in snap.rows] == [1, 2, 3]

    store = tmp_path / "store"
    store.mkdir()
    mine = matcher_from_rows(snap.rows, snap.url, store)
    engine = make_engine(fresh_db_url)
    service.invalidate_matchers()
    try:
        with Session(engine) as s:
            theirs = service.load_matcher(s, store)
    finally:
        service.invalidate_matchers()
        engine.dispose()
    assert mine is not None and theirs is not None
    assert mine.index.entries == theirs.index.entries and len(mine.index) == 2
    assert mine.index.row_texts == theirs.index.row_texts
    texts = [CLAIM, "Video lama kerusuhan disebut terjadi kemarin", "Cuaca cerah di Bandung"]
    assert mine.match(texts) == theirs.match(texts)
    hit = mine.match([CLAIM])[0]
    assert hit is not None and hit.id == "Mafindo:1"


@pytest.mark.parametrize("fresh_db_url", ["sqlite"], indirect=True)
def test_a_child_off_the_plain_path_answers_none_and_prints_nothing(
    fresh_db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    data_dir = tmp_path / "data"
    _env(monkeypatch, data_dir, fresh_db_url)
    # No promoted model (the command trains one in its own process).
    pending = prefetch.start(None)
    assert pending is not None and pending.result() is None
    # A version that does not exist (the command reports it).
    pending = prefetch.start("m-nope")
    assert pending is not None and pending.result() is None
    # Invalid settings (the command reports them, exit 2).
    monkeypatch.setenv("WASPADA_LOG_LEVEL", "LOUD")
    pending = prefetch.start(None)
    assert pending is not None and pending.result() is None
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def test_a_child_that_dies_or_answers_garbage_counts_as_no_answer() -> None:
    for status, payload in ((3, b'["half'), (0, b"")):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # a child that writes part of an answer, then dies
            os.write(write, payload)
            os._exit(status)
        os.close(write)
        assert prefetch.Pending(pid, read).result() is None


@pytest.mark.parametrize("fresh_db_url", ["sqlite"], indirect=True)
def test_the_commands_own_process_never_imports_sqlalchemy_and_exits_frozen(
    fresh_db_url: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    _import(fresh_db_url, [{"id": "1", "title": "[SALAH] Surat suara tercoblos", "claim": CLAIM}])
    promote_base_model(fresh_db_url, data_dir, "m-plain")
    env = waspada_env(data_dir, fresh_db_url)
    line = json.dumps({"id": 1, "text": CLAIM}) + "\n"
    # -X importtime lists this process's imports on stderr; the child's go to /dev/null.
    res = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "monitor", "classify"],
        input=line.encode(),
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert res.returncode == 0, res.stderr.decode()[-2000:]
    imported = [ln.rsplit("|", 1)[-1].strip() for ln in res.stderr.decode().splitlines()]
    assert "monitor.cli.commands.classify_score" in imported
    assert not [m for m in imported if m.split(".")[0] in ("sqlalchemy", "alembic")]
    assert "monitor.cli.commands.classify_db" not in imported
    out = json.loads(res.stdout)
    assert out["id"] == 1 and out["factcheck"]["id"] == "Mafindo:1"

    # The `waspada` process leaves its heap frozen for the interpreter's exit (its last
    # collections skip it); the same answer is written first.
    code = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count(), file=sys.stderr))\n"
        "sys.argv = ['waspada', 'classify']\n"
        "from monitor.cli.main import main\n"
        "main()\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code],
        input=line.encode(),
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert res.returncode == 0, res.stderr.decode()[-2000:]
    assert json.loads(res.stdout) == out
    frozen = [ln for ln in res.stderr.decode().splitlines() if ln.startswith("frozen ")]
    assert len(frozen) == 1 and int(frozen[0].split()[1]) > 10_000
