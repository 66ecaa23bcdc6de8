"""An item's identity is (source, its id): feeds that number their items 1..9 keep them all."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select

from monitor.core.runtime import Runtime
from monitor.flows.collect import collect_due, run_now
from monitor.posts.models import Post
from monitor.sources import service
from monitor.sources.http import HttpClient
from monitor.sources.models import Source
from monitor.sources.schemas import SourceSpec
from tests.collectors.conftest import LOCAL, fixture_bytes, test_settings


@pytest.fixture
def crt(rt: Runtime, tmp_path: Path) -> Runtime:
    """The rolled-back runtime with collector settings."""
    return Runtime(settings=test_settings(tmp_path), engine=rt.engine, factory=rt.factory)


def _serve_tempo(httpserver: HTTPServer) -> None:
    for section in ("ekonomi", "hukum"):
        httpserver.expect_request(f"/{section}").respond_with_data(
            fixture_bytes(f"tempo_{section}.xml"), content_type="application/rss+xml"
        )


def _add_tempo(rt: Runtime, httpserver: HTTPServer) -> None:
    with rt.session() as s:
        for section in ("ekonomi", "hukum"):
            spec = SourceSpec(
                name=f"tempo-{section}", kind="rss", url=httpserver.url_for(f"/{section}")
            )
            service.add(s, spec, "test", policy=LOCAL)


def _posts(rt: Runtime) -> list[Post]:
    with rt.session() as s:
        return list(s.scalars(select(Post).order_by(Post.id)))


def test_two_feeds_sharing_guids_keep_all_18_items(
    crt: Runtime, httpserver: HTTPServer, http_client: HttpClient
) -> None:
    _serve_tempo(httpserver)
    _add_tempo(crt, httpserver)
    reports = {r.name: r for r in collect_due(crt, http_client)}
    assert {n: (r.new, r.updated, r.error) for n, r in reports.items()} == {
        "tempo-ekonomi": (9, 0, None),
        "tempo-hukum": (9, 0, None),
    }
    posts = _posts(crt)
    assert len(posts) == 18
    with crt.session() as s:
        ids = {name: sid for name, sid in s.execute(select(Source.name, Source.id)).tuples()}
    by_source: dict[int | None, set[str]] = {}
    for p in posts:
        by_source.setdefault(p.source_id, set()).add(p.title or "")
    ekonomi = by_source[ids["tempo-ekonomi"]]
    hukum = by_source[ids["tempo-hukum"]]
    assert len(ekonomi) == len(hukum) == 9
    assert "Rupiah Melemah ke Rp 16.300 per Dolar AS" in ekonomi
    assert "DPR Sahkan Revisi Undang-Undang Pemilu" in hukum
    # Items 3, 6 and 9 of each feed carry only the same teaser: distinct articles, not copies.
    teasers = [p for p in posts if p.text.startswith("Baca berita selengkapnya")]
    assert len(teasers) == 6 and all(p.duplicate_of_id is None for p in teasers)
    assert len({p.content_hash for p in teasers}) == 6
    # Entities decoded once at the edge.
    assert not any("&#" in p.text or "&#" in (p.title or "") for p in posts)
    beras = next(p for p in posts if (p.title or "").startswith("Harga Beras"))
    assert "‘tak wajar’" in beras.text and beras.text.endswith("terakhir…")
    assert "$ AS" in next(p for p in posts if (p.title or "").startswith("Rupiah")).text

    # Re-runs change nothing, in either order (the old keying flipped rows back and forth).
    for name in ("tempo-hukum", "tempo-ekonomi", "tempo-hukum"):
        again = run_now(crt, name, http_client)
        assert (again.new, again.updated, again.error) == (0, 0, None)
    after = _posts(crt)
    assert [(p.id, p.source_id, p.title, p.content_hash) for p in after] == [
        (p.id, p.source_id, p.title, p.content_hash) for p in posts
    ]


def test_same_guid_within_one_feed_is_one_item(
    crt: Runtime, httpserver: HTTPServer, http_client: HttpClient
) -> None:
    body = fixture_bytes("tempo_hukum.xml").replace(
        b'<guid isPermaLink="false">2</guid>', b'<guid isPermaLink="false">1</guid>'
    )
    httpserver.expect_request("/hukum").respond_with_data(body, content_type="application/rss+xml")
    with crt.session() as s:
        spec = SourceSpec(name="h", kind="rss", url=httpserver.url_for("/hukum"))
        service.add(s, spec, "t", policy=LOCAL)
    [report] = collect_due(crt, http_client)
    assert report.new == 8  # a feed repeating its own guid names one item; the later copy wins
    with crt.session() as s:
        assert s.scalar(select(func.count()).select_from(Post)) == 8
