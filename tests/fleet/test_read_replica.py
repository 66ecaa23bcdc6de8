"""WASPADA_READ_DATABASE_URL: exports and region figures read through a second connection URL.

A real replica is another server; here the second URL reaches the same PostgreSQL database
as a read-only role, which proves the reads take that connection (a write through it fails)
and that exports and figures work on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from monitor.core.db import make_engine
from monitor.core.runtime import Runtime, build_runtime
from monitor.core.settings import load_settings
from monitor.keys.service import create_key
from tests.support.client import app_client


@pytest.fixture
def replica_rt(fresh_db_url: str, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime whose read URL is a SELECT-only role on the same database."""
    engine = make_engine(fresh_db_url, isolation_level="AUTOCOMMIT", pool_size=1)
    db = fresh_db_url.rsplit("/", 1)[1]
    with engine.connect() as conn:
        conn.execute(text("DROP ROLE IF EXISTS waspada_reader_t"))
        conn.execute(text("CREATE ROLE waspada_reader_t LOGIN"))
        conn.execute(text(f'GRANT CONNECT ON DATABASE "{db}" TO waspada_reader_t'))
        conn.execute(text("GRANT SELECT ON ALL TABLES IN SCHEMA public TO waspada_reader_t"))
    head, tail = fresh_db_url.split("://", 1)
    reader_url = f"{head}://waspada_reader_t@{tail.split('@', 1)[1]}"
    settings = load_settings(
        data_dir=tmp_path / "data", database_url=fresh_db_url, read_database_url=reader_url
    )
    rt = build_runtime(settings)
    yield rt
    rt.close()
    with engine.connect() as conn:
        conn.execute(text(f'REVOKE ALL ON DATABASE "{db}" FROM waspada_reader_t'))
        conn.execute(text("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM waspada_reader_t"))
    engine.dispose()


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_exports_and_figures_read_the_replica(replica_rt: Runtime) -> None:
    with replica_rt.read_session() as s:
        assert s.scalar(text("SELECT current_user")) == "waspada_reader_t"
    with pytest.raises(ProgrammingError), replica_rt.read_session() as s:
        s.execute(text("DELETE FROM posts"))  # the replica connection cannot write
    with replica_rt.session() as s:
        assert s.scalar(text("SELECT current_user")) != "waspada_reader_t"
        _, key = create_key(s, "replica-admin", "admin")
    client = app_client(replica_rt)
    headers = {"Authorization": f"Bearer {key}"}
    csv = client.get("/api/v1/export/items.csv", headers=headers)
    assert csv.status_code == 200 and csv.text.startswith("id,"), csv.text[:300]
    ranking = client.get("/api/v1/regions", headers=headers)
    assert ranking.status_code == 200, ranking.text[:300]


def test_read_url_is_checked(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="SQLAlchemy URL"):
        load_settings(data_dir=tmp_path, read_database_url="replica.internal:5432")
