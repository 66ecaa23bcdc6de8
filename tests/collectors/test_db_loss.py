"""The database goes away while a source is being fetched: the run fails cleanly, nothing is
half-stored, and once the database is back the next run stores everything.

PostgreSQL: the test database stops accepting connections and its sessions are terminated
(what a failover looks like to the collector). SQLite: the database file is moved away.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from werkzeug import Request, Response

from monitor.core.db import make_engine
from monitor.core.runtime import Runtime, runtime_for_engine
from monitor.flows.collect import collect_due
from monitor.posts.models import Post
from monitor.sources import service
from monitor.sources.http import HttpClient
from monitor.sources.models import Source
from monitor.sources.schemas import SourceSpec
from tests.collectors.conftest import LOCAL, fixture_bytes, test_settings


class Outage:
    """Takes the test database away and brings it back."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.name = url.rsplit("/", 1)[1]

    def _admin(self, sql: str) -> None:
        admin = make_engine(
            self.url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT", pool_size=1
        )
        with admin.connect() as conn:
            conn.execute(text(sql))
        admin.dispose()

    def start(self) -> None:
        """Make the database unreachable for every session, old and new."""
        if self.url.startswith("sqlite"):
            path = Path(self.url.removeprefix("sqlite:///"))
            for suffix in ("", "-wal", "-shm"):
                src = path.with_name(path.name + suffix)
                if src.exists():
                    shutil.move(src, path.with_name(path.name + suffix + ".away"))
            # A directory where the file was: SQLite cannot open it, like a lost volume.
            path.mkdir()
            return
        self._admin(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        self._admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()"
        )

    def stop(self) -> None:
        """Bring the database back as it was."""
        if self.url.startswith("sqlite"):
            path = Path(self.url.removeprefix("sqlite:///"))
            path.rmdir()
            for suffix in ("", "-wal", "-shm"):
                away = path.with_name(path.name + suffix + ".away")
                if away.exists():
                    shutil.move(away, path.with_name(path.name + suffix))
            return
        self._admin(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')


@pytest.fixture
def outage_rt(fresh_db_url: str, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime as in production; SQLite opens a connection per session to see the move."""
    if fresh_db_url.startswith("sqlite"):
        # Why: a pooled SQLite connection keeps writing to the moved file's inode.
        engine = make_engine(fresh_db_url, poolclass=NullPool)
    else:
        engine = make_engine(fresh_db_url)  # pre-ping notices terminated sessions
    settings = test_settings(tmp_path, fresh_db_url, claim_lease="PT1S")
    rt = runtime_for_engine(settings, engine)
    yield rt
    rt.close()


def test_database_lost_mid_fetch_then_next_run_stores_everything(
    outage_rt: Runtime, fresh_db_url: str, httpserver: HTTPServer, http_client: HttpClient
) -> None:
    rt = outage_rt
    reached, go = threading.Event(), threading.Event()

    def feed(request: Request) -> Response:
        if not reached.is_set():
            reached.set()
            go.wait(30)  # the database disappears while this response is in flight
        return Response(fixture_bytes("rss2.xml"), content_type="application/rss+xml")

    httpserver.expect_request("/feed").respond_with_handler(feed)
    with rt.session() as s:
        service.add(
            s,
            SourceSpec(name="berita", kind="rss", url=httpserver.url_for("/feed")),
            "t",
            policy=LOCAL,
        )
    outage = Outage(fresh_db_url)
    reports: list[service.RunReport] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            reports.extend(collect_due(rt, http_client, worker="w1"))
        except BaseException as exc:  # the assertion below reports it
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert reached.wait(30)
    outage.start()
    try:
        go.set()
        worker.join(60)
        assert not worker.is_alive()
    finally:
        outage.stop()
    assert errors == []  # a lost database costs the run, never the scheduler thread
    [report] = reports
    assert report.error and report.error.startswith("database error while storing")
    assert report.fetched == 3 and report.new == 0

    with rt.session() as s:
        assert s.scalar(select(func.count()).select_from(Post)) == 0  # nothing half-stored
        row = s.scalar(select(Source).where(Source.name == "berita"))
        assert row is not None and row.cursor is None and row.last_success_at is None
        # The lease the dead run held makes the source wait, not vanish.
        assert row.lease_owner == "w1"
    time.sleep(1.1)  # the one-second lease expires
    [again] = collect_due(rt, http_client, worker="w2")
    assert again.error is None and again.new == 3
    with rt.session() as s:
        assert s.scalar(select(func.count()).select_from(Post)) == 3
        row = s.scalar(select(Source).where(Source.name == "berita"))
        assert row is not None and row.last_success_at is not None and row.lease_owner is None


def test_claiming_while_the_database_is_down_raises_for_the_job_wrapper(
    outage_rt: Runtime, fresh_db_url: str, http_client: HttpClient
) -> None:
    outage = Outage(fresh_db_url)
    outage.start()
    try:
        with pytest.raises(OperationalError):
            collect_due(outage_rt, http_client, worker="w1")
    finally:
        outage.stop()
    assert collect_due(outage_rt, http_client, worker="w1") == []  # fine again once it is back
