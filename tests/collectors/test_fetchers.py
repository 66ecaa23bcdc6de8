"""Each fetcher against a real HTTP server on 127.0.0.1 serving payloads in the services' shapes."""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.collectors.fetchers import FETCHERS
from monitor.collectors.fetchers.mastodon import MastodonFetcher
from monitor.collectors.fetchers.reddit import RedditFetcher
from monitor.collectors.fetchers.rss import RssFetcher
from monitor.collectors.fetchers.telegram import TelegramFetcher
from monitor.collectors.fetchers.wordpress import WordPressFetcher
from monitor.sources.fetching import FetchState, SourceConfig
from monitor.sources.http import HttpClient
from monitor.sources.schemas import KINDS, SourceSpec
from tests.collectors.conftest import fixture_bytes


def test_rss2_items_and_conditional_get(httpserver: HTTPServer, http_client: HttpClient) -> None:
    seen_headers: list[dict[str, str]] = []

    def handler(request: Request) -> Response:
        seen_headers.append(dict(request.headers))
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(
            fixture_bytes("rss2.xml"),
            headers={"ETag": '"v1"', "Last-Modified": "Mon, 08 Jan 2024 05:00:00 GMT"},
            content_type="application/rss+xml; charset=utf-8",
        )

    httpserver.expect_request("/feed.xml").respond_with_handler(handler)
    src = SourceConfig("berita", "rss", httpserver.url_for("/feed.xml"))
    items, state = RssFetcher(http_client).fetch(src, FetchState())
    assert [i.external_id for i in items] == [
        "berita:berita-1001",  # guids are unique only inside their feed: the source scopes them
        "berita:https://berita.example/politik/bawaslu-politik-uang",
        "berita:https://berita.example/politik/debat",  # no guid: the link identifies it
    ]
    first = items[0]
    assert first.title == "KPU tetapkan jadwal kampanye terbuka di Jawa Barat"
    assert "alert" not in first.text and first.text.startswith("Komisi Pemilihan Umum")
    assert first.published_at is not None and first.published_at.isoformat() == (
        "2024-01-08T02:30:00+00:00"
    )
    assert items[2].published_at is None  # a missing date stays missing, never invented
    assert state.etag == '"v1"' and state.last_modified
    assert seen_headers[0]["User-Agent"] == "WaspadaTest/1.0"

    again, state2 = RssFetcher(http_client).fetch(src, state)
    assert again == [] and state2 == state
    assert seen_headers[1]["If-None-Match"] == '"v1"'
    assert seen_headers[1]["If-Modified-Since"] == "Mon, 08 Jan 2024 05:00:00 GMT"


def test_atom_feed(httpserver: HTTPServer, http_client: HttpClient) -> None:
    httpserver.expect_request("/atom").respond_with_data(
        fixture_bytes("atom.xml"), content_type="application/atom+xml"
    )
    items, _ = RssFetcher(http_client).fetch(
        SourceConfig("cek", "rss", httpserver.url_for("/atom")), FetchState()
    )
    assert [i.external_id for i in items] == [
        "cek:tag:cekfakta.example,2024:entry-42",
        "cek:tag:cekfakta.example,2024:entry-43",
    ]
    assert items[0].author == "Tim Cek Fakta"
    assert items[0].text.startswith("Sejumlah relawan membagikan sembako")
    assert items[1].published_at is not None  # falls back to <updated>


def test_rss_full_text_respects_robots_and_extracts_article(
    httpserver: HTTPServer, http_client: HttpClient
) -> None:
    article = (
        "<html><head><script>track()</script></head><body><nav><p>Beranda Politik Ekonomi</p>"
        "</nav><article><h1>Judul</h1><p>" + "Isi berita lengkap tentang kampanye. " * 5 + "</p>"
        "<p>" + "Paragraf kedua yang juga panjang sekali. " * 4 + "</p></article>"
        "<footer><p>Hak cipta</p></footer></body></html>"
    )
    feed = (
        fixture_bytes("rss2.xml")
        .replace(
            b"https://berita.example/politik/kpu-jadwal-kampanye?utm_source=rss&amp;utm_medium=feed",
            httpserver.url_for("/artikel/1").encode(),
        )
        .replace(b"https://berita.example/politik/debat", httpserver.url_for("/private/2").encode())
    )
    httpserver.expect_request("/feed").respond_with_data(feed, content_type="application/rss+xml")
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
    )
    httpserver.expect_request("/artikel/1").respond_with_data(article, content_type="text/html")
    src = SourceConfig("berita", "rss", httpserver.url_for("/feed"), {"full_text": True})
    items, state = RssFetcher(http_client).fetch(src, FetchState())
    by_url = {i.url: i for i in items}
    full = by_url[httpserver.url_for("/artikel/1")]
    assert full.text.startswith("Isi berita lengkap") and "Paragraf kedua" in full.text
    assert "track" not in full.text and "Beranda" not in full.text and "Hak cipta" not in full.text
    # robots.txt disallows /private/: the summary is kept, the page never requested.
    blocked = by_url[httpserver.url_for("/private/2")]
    assert blocked.text.startswith("Para kandidat")
    assert not any(req.path.startswith("/private") for req, _ in httpserver.log)
    assert state.cursor and "berita:berita-1001" in json.loads(state.cursor)["seen"]


def test_wordpress_pages_and_modified_cursor(
    httpserver: HTTPServer, http_client: HttpClient
) -> None:
    def handler(request: Request) -> Response:
        page = request.args.get("page")
        body = {"1": fixture_bytes("wp_page1.json"), "2": fixture_bytes("wp_page2.json")}.get(
            page or "1", b"[]"
        )
        return Response(body, content_type="application/json", headers={"X-WP-TotalPages": "2"})

    httpserver.expect_request("/wp-json/wp/v2/posts").respond_with_handler(handler)
    src = SourceConfig("tbh", "wordpress", httpserver.url_for("/"), {"per_page": 2})
    items, state = WordPressFetcher(http_client).fetch(src, FetchState())
    assert [i.external_id for i in items] == ["tbh:501", "tbh:502", "tbh:503"]
    assert items[0].title and items[0].title.startswith("[SALAH]")
    assert items[0].published_at is not None and items[0].published_at.hour == 1
    assert state.cursor == "2024-01-11T01:00:00"

    WordPressFetcher(http_client).fetch(src, state)
    last = httpserver.log[-1][0]
    assert last.args["modified_after"] == "2024-01-11T01:00:00" or last.args[
        "modified_after"
    ].startswith("2024-01-11T00:59:59")
    assert last.args["orderby"] == "modified" and last.args["order"] == "asc"


def test_mastodon_tag_timeline_and_min_id_cursor(
    httpserver: HTTPServer, http_client: HttpClient
) -> None:
    calls: list[dict[str, str]] = []

    def handler(request: Request) -> Response:
        calls.append(dict(request.args))
        if "min_id" in request.args:
            return Response("[]", content_type="application/json")
        return Response(fixture_bytes("mastodon_tag.json"), content_type="application/json")

    httpserver.expect_request("/api/v1/timelines/tag/pemilu").respond_with_handler(handler)
    src = SourceConfig("m", "mastodon", httpserver.url_for("/"), {"tag": "#pemilu"})
    items, state = MastodonFetcher(http_client).fetch(src, FetchState())
    assert len(items) == 2
    assert (
        items[0].external_id == "https://mastodon.example/users/warga/statuses/111800000000000003"
    )
    assert items[0].text.startswith("Ada yang bagi-bagi amplop") and "#pemilu" in items[0].text
    # The platform tag is passed on; ingest weighs it only where the detector cannot decide.
    assert items[0].language == "id" and items[1].language == "en"
    assert items[1].author == "reporter@other.example"
    assert state.cursor == "111800000000000003"
    items2, state2 = MastodonFetcher(http_client).fetch(src, state)
    assert items2 == [] and state2.cursor == state.cursor
    assert calls[-1]["min_id"] == "111800000000000003"


def test_telegram_preview_html(httpserver: HTTPServer, http_client: HttpClient) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/s/kabarpemilu").respond_with_data(
        fixture_bytes("telegram.html"), content_type="text/html; charset=utf-8"
    )
    src = SourceConfig("tg", "telegram", httpserver.url_for("/"), {"channel": "@kabarpemilu"})
    items, state = TelegramFetcher(http_client).fetch(src, FetchState())
    # Message 122 is a photo without a caption: nothing to classify, skipped.
    assert [i.external_id for i in items] == ["kabarpemilu/120", "kabarpemilu/121"]
    assert items[0].text == (
        "Pengumuman: pemungutan suara ulang di TPS 7 dijadwalkan hari Sabtu.\n"
        "Mohon warga datang tepat waktu."
    )
    assert items[0].url == "https://t.me/kabarpemilu/120" and items[0].author == "Kabar Pemilu"
    assert items[1].published_at is not None and items[1].published_at.hour == 8
    assert state.cursor == "121"
    again, state2 = TelegramFetcher(http_client).fetch(src, state)
    assert again == [] and state2.cursor == "121"


def test_reddit_listing(httpserver: HTTPServer, http_client: HttpClient) -> None:
    httpserver.expect_request("/r/indonesia/new.json").respond_with_data(
        fixture_bytes("reddit_new.json"), content_type="application/json"
    )
    src = SourceConfig("r", "reddit", httpserver.url_for("/"), {"subreddit": "r/indonesia"})
    items, state = RedditFetcher(http_client).fetch(src, FetchState())
    assert [i.external_id for i in items] == ["t3_19abcde", "t3_19abcdd"]
    assert items[0].text.startswith("Pesan berantai soal syarat ke TPS\n\nDi grup WA")
    assert items[0].url and items[0].url.startswith("https://www.reddit.com/r/indonesia/")
    assert state.cursor == repr(1705140000.0)
    again, _ = RedditFetcher(http_client).fetch(src, state)
    assert again == []  # everything is at or before the cursor


def test_source_kinds_match_the_fetchers() -> None:
    # Sources sit below collectors, so they validate `kind` against their own copy of the list.
    assert set(KINDS) == set(FETCHERS)
    with pytest.raises(ValueError, match="kind 'x' unknown; known: mastodon, reddit, rss"):
        SourceSpec(name="a", kind="x", url="https://example.org/feed")
