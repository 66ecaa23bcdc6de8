"""Exact copies stored at the same moment by parallel writers end up linked, not doubled."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select, update
from werkzeug import Request, Response

from monitor.core.outbound import OutboundPolicy
from monitor.core.runtime import Runtime
from monitor.flows.collect import collect_due
from monitor.posts import service as posts
from monitor.posts.models import Post
from monitor.posts.schemas import PostIn
from monitor.regions.tasks import load_regions_step
from monitor.sources import service as sources
from monitor.sources.http import HttpClient
from monitor.sources.schemas import SourceSpec
from tests.collectors.conftest import fixture_bytes

TEXT = "Beredar pesan berantai bahwa surat suara di TPS 7 sudah dicoblos sebelum hari pemungutan"

# The test servers listen on 127.0.0.1: allow-listed explicitly.
LOCAL = OutboundPolicy.allowing("127.0.0.1")


def _originals(rt: Runtime) -> list[Post]:
    with rt.session() as s:
        return list(s.scalars(select(Post).where(Post.duplicate_of_id.is_(None)).order_by(Post.id)))


def test_relink_turns_later_originals_into_copies(fresh_rt: Runtime) -> None:
    rt = fresh_rt
    with rt.session() as s:
        posts.ingest(s, [PostIn(platform="a", external_id="1", text=TEXT)])
        posts.ingest(s, [PostIn(platform="b", external_id="2", text=TEXT)])
        # What two concurrent writers leave behind: both rows stored as originals.
        s.execute(update(Post).values(duplicate_of_id=None, flagged=True))
    assert len(_originals(rt)) == 2
    with rt.session() as s:
        first = s.scalar(select(Post.content_hash).limit(1))
        assert first is not None
        assert posts.relink_copies(s, [first, first]) == 1
        assert posts.relink_copies(s, [first]) == 0  # idempotent
    [original] = _originals(rt)
    with rt.session() as s:
        copy = s.scalar(select(Post).where(Post.external_id == "2"))
        assert copy is not None and copy.duplicate_of_id == original.id
        assert not copy.flagged  # an unreviewed copy leaves the queue


def test_two_uncommitted_writers_both_store_then_relink_fixes_it(fresh_rt: Runtime) -> None:
    rt = fresh_rt
    if rt.settings.is_sqlite:
        pytest.skip("SQLite has one writer: the second transaction waits and sees the first")
    load_regions_step(rt)  # else both writers lazily insert the region list and one blocks
    one, two = rt.factory(), rt.factory()
    try:
        posts.ingest(one, [PostIn(platform="a", external_id="1", text=TEXT)])
        posts.ingest(two, [PostIn(platform="b", external_id="2", text=TEXT)])
        one.commit()
        two.commit()
    finally:
        one.close()
        two.close()
    originals = _originals(rt)
    assert len(originals) == 2  # the race is real
    with rt.session() as s:
        assert posts.relink_copies(s, [originals[1].content_hash]) == 1
    assert [p.external_id for p in _originals(rt)] == ["1"]


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    """A threaded server so the four sources are fetched and stored at the same time."""
    srv = HTTPServer(host="127.0.0.1", threaded=True)
    srv.start()
    yield srv
    srv.clear()
    srv.stop()


def test_parallel_sources_with_the_same_items_store_each_text_once(
    fresh_rt: Runtime, server: HTTPServer
) -> None:
    rt = fresh_rt
    barrier = threading.Barrier(4, timeout=10)

    def feed(request: Request) -> Response:
        if not rt.settings.is_sqlite:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()  # all four answer together, so their stores overlap
        n = request.path.removeprefix("/mirror").removesuffix(".xml")
        # Each mirror has its own item ids but the same three texts (a syndicated story).
        body = fixture_bytes("rss2.xml").replace(b"berita-1001", f"m{n}-1001".encode())
        body = body.replace(b"https://berita.example/", f"https://mirror{n}.example/".encode())
        return Response(body, content_type="application/rss+xml")

    load_regions_step(rt)  # as `waspada up` does before collecting (see the scale-out test)
    with rt.session() as s:
        for n in range(4):
            server.expect_request(f"/mirror{n}.xml").respond_with_handler(feed)
            spec = SourceSpec(name=f"mirror-{n}", kind="rss", url=server.url_for(f"/mirror{n}.xml"))
            sources.add(s, spec, "t", policy=LOCAL)
    with HttpClient(policy=LOCAL, user_agent="t", host_interval=0.0, host_concurrency=4) as client:
        reports = collect_due(rt, client, worker="w")
    assert len(reports) == 4 and all(r.error is None for r in reports)
    with rt.session() as s:
        total = s.scalar(select(func.count()).select_from(Post))
        per_text = s.execute(
            select(Post.content_hash, func.count())
            .where(Post.duplicate_of_id.is_(None))
            .group_by(Post.content_hash)
        ).all()
    assert total == 12  # 3 items x 4 sources, each source keeps its own rows
    assert len(per_text) == 3 and all(n == 1 for _, n in per_text)  # one original per text
    assert sum(r.duplicates for r in reports) == 9
