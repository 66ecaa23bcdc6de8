"""The cheap schema check (`is_at_head`) agrees with Alembic, so model commands skip Alembic."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from monitor.core import migrate


def test_shipped_head_matches_alembic() -> None:
    assert migrate.shipped_heads() == {migrate.head_revision()}


def test_is_at_head_on_empty_migrated_and_stale_databases(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'w.db'}")
    assert not migrate.is_at_head(engine)  # nothing there yet
    migrate.upgrade(engine)
    assert migrate.is_at_head(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '03ac33df1202'"))
    assert not migrate.is_at_head(engine)  # behind: the command migrates (or refuses on PG)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
    assert not migrate.is_at_head(engine)  # ahead of this version of the code
    engine.dispose()
