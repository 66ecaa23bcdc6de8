"""A scheduler leases a due source only when one of its lanes is free to fetch it.

Two schedulers on one PostgreSQL: while the first one's lanes are all busy with slow feeds,
the sources still due stay unleased, so the second scheduler collects them at once instead
of waiting behind the first one's slow fetches.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from werkzeug import Request, Response

from monitor.core.db import make_engine
from monitor.core.runtime import Runtime, runtime_for_engine
from monitor.flows.collect import LANES, collect_due, make_client
from monitor.posts.models import Post
from monitor.sources import service
from monitor.sources.models import Source
from monitor.sources.schemas import SourceSpec
from tests.collectors.conftest import LOCAL, fixture_bytes, test_settings

SLOW, QUICK = LANES, 2


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    """A threaded server: the slow feeds must not hold up the quick ones."""
    srv = HTTPServer(host="127.0.0.1", threaded=True)
    srv.start()
    yield srv
    srv.clear()
    srv.stop()


@pytest.fixture
def pg_rt(fresh_db_url: str, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime on a fresh PostgreSQL database whose commits other connections see."""
    engine = make_engine(fresh_db_url)
    rt = runtime_for_engine(
        test_settings(tmp_path, fresh_db_url, collect_batch=8, http_host_concurrency=8), engine
    )
    yield rt
    rt.close()


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_busy_lanes_leave_due_sources_to_another_scheduler(
    pg_rt: Runtime, server: HTTPServer
) -> None:
    body = fixture_bytes("rss2.xml")
    release = threading.Event()
    hits: Counter[str] = Counter()
    lock = threading.Lock()
    all_slow_started = threading.Barrier(SLOW + 1)

    def feed(request: Request) -> Response:
        with lock:
            hits[request.path] += 1
        if request.path.startswith("/slow"):
            all_slow_started.wait(30)
            release.wait(30)  # a slow site: every lane of the first scheduler is busy
        text = body.replace(b"<guid>", f"<guid>{request.path}-".encode())
        return Response(text, content_type="application/rss+xml")

    paths = [f"/slow{n}" for n in range(SLOW)] + [f"/quick{n}" for n in range(QUICK)]
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    for path in paths:
        server.expect_request(path).respond_with_handler(feed)
    with pg_rt.session() as s:
        for path in paths:  # the slow ones first: they are due first and claimed first
            spec = SourceSpec(name=path.strip("/"), kind="rss", url=server.url_for(path))
            service.add(s, spec, "t", policy=LOCAL)

    first: list[service.RunReport] = []
    busy = threading.Thread(
        target=lambda: first.extend(collect_due(pg_rt, make_client(pg_rt.settings), "sched-1"))
    )
    busy.start()
    try:
        all_slow_started.wait(30)  # every lane of sched-1 is inside a slow fetch
        with pg_rt.session() as s:
            leased = set(s.scalars(select(Source.name).where(Source.lease_owner == "sched-1")))
        assert leased == {p.strip("/") for p in paths[:SLOW]}  # the quick ones stay free
        second = collect_due(pg_rt, make_client(pg_rt.settings), "sched-2")
        assert sorted(r.name for r in second) == [f"quick{n}" for n in range(QUICK)]
        assert all(r.error is None and r.new == 3 for r in second)
    finally:
        release.set()
        busy.join(60)
    assert sorted(r.name for r in first) == [f"slow{n}" for n in range(SLOW)]
    assert hits == Counter({p: 1 for p in paths})  # each feed fetched once
    with pg_rt.session() as s:
        assert s.scalar(select(func.count()).select_from(Post)) == 3 * len(paths)
