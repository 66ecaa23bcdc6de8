"""A fact-checker source: ClaimReview read off article pages, verdicts from titles, re-matching."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from monitor.core.runtime import Runtime
from monitor.factchecks import service as factchecks
from monitor.factchecks.models import FactCheck
from monitor.factchecks.schemas import parse_record
from monitor.flows.collect import run_now
from monitor.posts.models import Post
from monitor.sources import service
from monitor.sources.http import HttpClient
from monitor.sources.schemas import SourceSpec
from tests.collectors.conftest import LOCAL, test_settings
from tests.factchecks.cases import DEBUNKS
from tests.factchecks.scored import scored_post

CLAIM = (
    "Ditemukan ribuan surat suara pilpres yang sudah tercoblos untuk paslon 02 di gudang KPU "
    "Kabupaten Bekasi sebelum hari pemungutan suara."
)
CIRCULATING = (
    "VIRAL!! ribuan surat suara pilpres sudah tercoblos utk paslon 02 ditemukan di gudang KPU "
    "Kabupaten Bekasi sebelum hari pemungutan suara. sebarkan sebelum dihapus!!"
)


def _feed(base: str) -> str:
    items = [
        ("cf-1", "Keliru: Surat Suara Sudah Tercoblos di Gudang KPU Bekasi", "/2024/02/10/a/"),
        ("cf-2", "Menyesatkan: Foto Antrean Sembako Disebut Serangan Fajar", "/2024/02/11/b/"),
        ("cf-3", "Cek Fakta: Tidak Benar Pemilih Wajib Bawa Fotokopi KK", "/2024/02/12/c/"),
    ]
    body = "".join(
        f"<item><guid>{g}</guid><title>{t}</title><link>{base}{p}</link>"
        "<description>Ringkasan pemeriksaan fakta.</description>"
        "<pubDate>Sab, 10 Feb 2024 09:00:00 +0700</pubDate></item>"
        for g, t, p in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Cek Fakta</title><link>{base}/</link>{body}</channel></rss>"
    )


def _page(review: dict[str, object] | str) -> str:
    block = review if isinstance(review, str) else json.dumps(review)
    return (
        "<html><head><title>Cek Fakta</title>"
        f'<script type="application/ld+json">{block}</script></head>'
        "<body><article><p>"
        + "Hasil pemeriksaan fakta menunjukkan klaim itu keliru. " * 20
        + "</p></article></body></html>"
    )


@pytest.fixture(autouse=True)
def _no_cached_matchers() -> Iterator[None]:
    factchecks.invalidate_matchers()
    yield
    factchecks.invalidate_matchers()


@pytest.fixture
def crt(rt: Runtime, tmp_path: Path) -> Runtime:
    """The rolled-back runtime with collector settings."""
    return Runtime(settings=test_settings(tmp_path), engine=rt.engine, factory=rt.factory)


def _scored_post(rt: Runtime, text: str) -> int:
    # As the scoring job leaves a post minutes before the debunk is published.
    with rt.session() as s:
        return scored_post(s, "tg-1", text).id


def test_claim_review_verdicts_and_rematch_through_the_collector(
    crt: Runtime, httpserver: HTTPServer, http_client: HttpClient
) -> None:
    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/feed").respond_with_data(
        _feed(base), content_type="application/rss+xml"
    )
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"{base}/2024/02/10/a/",
        "claimReviewed": CLAIM,
        "datePublished": "2024-02-10",
        "author": {"@type": "Organization", "name": "Tempo Cek Fakta"},
        "reviewRating": {"@type": "Rating", "ratingValue": 1, "alternateName": "Keliru"},
        "itemReviewed": {"@type": "Claim", "appearance": ["https://facebook.com/p/123"]},
    }
    httpserver.expect_request("/2024/02/10/a/").respond_with_data(
        _page(review), content_type="text/html"
    )
    # A page whose JSON-LD is broken: the item still becomes a record, from its title.
    httpserver.expect_request("/2024/02/11/b/").respond_with_data(
        _page('{"@type": "ClaimReview", "claimReviewed": '), content_type="text/html"
    )
    httpserver.expect_request("/2024/02/12/c/").respond_with_data(
        _page({"@type": "Organization", "name": "x"}), content_type="text/html"
    )
    with crt.session() as s:
        # Other debunks were imported days ago, so the matcher has a base to compare with.
        factchecks.import_records(s, [parse_record(d) for d in DEBUNKS if d["id"] != "tbh-1001"])
        spec = SourceSpec(
            name="cekfakta",
            kind="rss",
            url=httpserver.url_for("/feed"),
            factchecker=True,
            config={"publisher": "Tempo Cek Fakta", "full_text": True},
        )
        service.add(s, spec, "test", policy=LOCAL)
    post_id = _scored_post(crt, CIRCULATING)

    report = run_now(crt, "cekfakta", http_client)
    assert report.error is None and report.factchecks == 3

    with crt.session() as s:
        rows = {
            r.external_id: r
            for r in s.scalars(select(FactCheck).where(FactCheck.publisher == "Tempo Cek Fakta"))
        }
        assert set(rows) == {"cf-1", "cf-2", "cf-3"}
        first = rows["cf-1"]
        assert first.claim == CLAIM  # claimReviewed, not the headline
        assert (first.rating or "").startswith("Keliru") and first.verdict == "keliru"
        assert list(first.appearances or []) == ["https://facebook.com/p/123"]
        assert rows["cf-2"].verdict == "menyesatkan"  # Tempo's title convention
        assert rows["cf-3"].verdict is not None  # Liputan6's `Cek Fakta: Tidak Benar ...`
        post = s.get(Post, post_id)
        assert post is not None
        # Scored before the debunk existed; matched the moment the collector stored it.
        assert post.flagged and "hoax" in (post.labels or [])
