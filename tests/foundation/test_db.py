"""Engine behaviour: SQLite pragmas, transactional DDL, unreachable and read-only databases."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from monitor.core import migrate
from monitor.core.db import DatabaseUnavailable, make_engine, wait_for_database


def test_sqlite_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_sqlite_ddl_rolls_back_with_its_transaction(tmp_path: Path) -> None:
    # What makes Ctrl-C during a migration safe: DDL is undone with the transaction.
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.connect() as conn:
        conn.execute(text("CREATE TABLE half_done (id INTEGER)"))
        conn.rollback()
    assert "half_done" not in inspect(engine).get_table_names()
    engine.dispose()


def test_interrupted_migration_leaves_previous_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    from alembic.operations import Operations

    real = Operations.create_table
    calls = {"n": 0}

    def interrupt_midway(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Operations, "create_table", interrupt_midway)
    with pytest.raises(KeyboardInterrupt):
        migrate.upgrade(engine)
    assert inspect(engine).get_table_names() == []
    assert migrate.current_revision(engine) is None
    monkeypatch.undo()
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_unreachable_database_retries_then_fails_clearly() -> None:
    # Port 9 on loopback: nothing listens, so connects are refused at once.
    engine = make_engine(
        "postgresql+psycopg://u:secretpw@127.0.0.1:9/w", connect_args={"connect_timeout": 1}
    )
    with pytest.raises(DatabaseUnavailable) as info:
        wait_for_database(engine, timeout=1.0, first_delay=0.2)
    message = str(info.value)
    assert "unreachable" in message and "attempts" in message
    assert "secretpw" not in message


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_data_directory_is_a_clear_error(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(DatabaseUnavailable, match="not writable"):
            make_engine(f"sqlite:///{ro / 'w.db'}")
    finally:
        ro.chmod(stat.S_IRWXU)


def test_read_only_data_directory_as_root_too(tmp_path: Path) -> None:
    # Root bypasses permission bits, so use a path under a regular file instead.
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(DatabaseUnavailable, match="cannot create data directory"):
        make_engine(f"sqlite:///{blocker / 'sub' / 'w.db'}")


def test_migrations_reach_head_on_both_backends(db_engine) -> None:  # type: ignore[no-untyped-def]
    assert migrate.current_revision(db_engine) == migrate.head_revision()
    tables = set(inspect(db_engine).get_table_names())
    assert {
        "sources",
        "posts",
        "predictions",
        "factchecks",
        "clusters",
        "regions",
        "post_regions",
        "reviews",
        "audit_events",
        "api_keys",
        "models",
        "alerts",
    } <= tables


def test_single_head() -> None:
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1, f"migrations have several heads: {heads}"
