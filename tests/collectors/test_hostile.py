"""Misbehaving servers: every failure becomes a clear FetchError, never a hang or a crash."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.collectors.fetchers.reddit import RedditFetcher
from monitor.collectors.fetchers.rss import RssFetcher
from monitor.collectors.fetchers.telegram import TelegramFetcher
from monitor.collectors.fetchers.wordpress import WordPressFetcher
from monitor.core.outbound import OutboundPolicy
from monitor.sources.fetching import FetchState, SourceConfig
from monitor.sources.http import FetchError, HttpClient, decode_body, parse_retry_after
from tests.collectors.conftest import fixture_bytes

# The test servers listen on 127.0.0.1: allow-listed explicitly.
LOCAL = OutboundPolicy.allowing("127.0.0.1")


def _rss(http_client: HttpClient, url: str) -> tuple[list[Any], FetchState]:
    return RssFetcher(http_client).fetch(SourceConfig("s", "rss", url), FetchState())


def test_malformed_xml_is_a_clear_error(httpserver: HTTPServer, http_client: HttpClient) -> None:
    httpserver.expect_request("/bad").respond_with_data(
        b"<?xml version='1.0'?><rss><channel><title>x</title><item><title>unclosed",
        content_type="application/rss+xml",
    )
    httpserver.expect_request("/html").respond_with_data(
        b"<html><body><h1>Maintenance</h1></body></html>", content_type="text/html"
    )
    for path in ("/html",):
        with pytest.raises(FetchError, match="not a feed"):
            _rss(http_client, httpserver.url_for(path))
    # A truncated feed still yields what it holds (feedparser's loose mode) or fails clearly.
    try:
        items, _ = _rss(http_client, httpserver.url_for("/bad"))
    except FetchError as exc:
        assert "not a feed" in exc.reason
    else:
        assert all(i.text for i in items)


def test_cp1252_served_as_utf8(httpserver: HTTPServer, http_client: HttpClient) -> None:
    body = (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>t</title>"
        "<item><guid>a1</guid><title>Caf\u00e9 \u201ckampanye\u201d di Jakarta</title>"
        "<description>Warga berkumpul di caf\u00e9 untuk mendengar orasi calon.</description>"
        "</item></channel></rss>"
    ).encode("cp1252")
    httpserver.expect_request("/feed").respond_with_data(
        body, content_type="application/rss+xml; charset=utf-8"
    )
    httpserver.expect_request("/nocharset").respond_with_data(body, content_type="text/xml")
    for path in ("/feed", "/nocharset"):
        items, _ = _rss(http_client, httpserver.url_for(path))
        assert len(items) == 1
        assert items[0].title == "Caf\u00e9 \u201ckampanye\u201d di Jakarta"
    assert decode_body("café".encode("cp1252"), "utf-8") == "café"


def test_body_over_the_limit_is_refused_while_streaming(
    httpserver: HTTPServer, http_client: HttpClient
) -> None:
    sent = {"bytes": 0}

    def stream() -> Iterator[bytes]:
        chunk = b"x" * 65536
        for _ in range(50 * 16):  # 50 MB if read to the end
            sent["bytes"] += len(chunk)
            yield chunk

    httpserver.expect_request("/huge").respond_with_handler(
        lambda r: Response(stream(), content_type="application/rss+xml")
    )
    httpserver.expect_request("/declared").respond_with_handler(
        lambda r: Response(
            iter([b"<rss>"]), headers={"Content-Length": str(50 << 20)}, content_type="text/xml"
        )
    )
    with pytest.raises(FetchError, match="limit"):
        _rss(http_client, httpserver.url_for("/huge"))
    assert sent["bytes"] < 10 * 1024 * 1024  # we stopped reading long before 50 MB
    with pytest.raises(FetchError, match="over the"):
        _rss(http_client, httpserver.url_for("/declared"))


def test_redirect_loop(httpserver: HTTPServer, http_client: HttpClient) -> None:
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    with pytest.raises(FetchError, match="redirects"):
        _rss(http_client, httpserver.url_for("/a"))


def test_slow_drip_hits_the_total_deadline(httpserver: HTTPServer) -> None:
    def drip() -> Iterator[bytes]:
        yield b"<?xml version='1.0'?><rss><channel>"
        for _ in range(40):
            time.sleep(0.1)
            yield b" "

    httpserver.expect_request("/drip").respond_with_handler(
        lambda r: Response(drip(), content_type="application/rss+xml")
    )
    # Each byte arrives well within the read timeout; only the total deadline stops it.
    slow = HttpClient(policy=LOCAL, user_agent="t", timeout=1.0, host_interval=0.0)
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        _rss(slow, httpserver.url_for("/drip"))
    assert time.monotonic() - started < 3.5
    slow.close()


def test_429_retry_after_and_500(httpserver: HTTPServer, http_client: HttpClient) -> None:
    httpserver.expect_request("/busy").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "120"}
    )
    httpserver.expect_request("/broken").respond_with_data("oops", status=500)
    with pytest.raises(FetchError) as busy:
        _rss(http_client, httpserver.url_for("/busy"))
    assert busy.value.status == 429 and busy.value.retry_after == 120.0
    with pytest.raises(FetchError) as broken:
        _rss(http_client, httpserver.url_for("/broken"))
    assert broken.value.status == 500 and broken.value.retry_after is None
    later = datetime.now(UTC) + timedelta(seconds=300)
    assert 290 <= (parse_retry_after(format_datetime(later, usegmt=True)) or 0) <= 300
    assert parse_retry_after("soon") is None


def test_items_without_dates_or_ids(httpserver: HTTPServer, http_client: HttpClient) -> None:
    body = (
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
        b"<item><description>Tanpa judul, tanpa tautan, tanpa tanggal: isi saja.</description>"
        b"</item><item><title></title><description></description></item>"
        b"</channel></rss>"
    )
    httpserver.expect_request("/f").respond_with_data(body, content_type="application/rss+xml")
    items, _ = _rss(http_client, httpserver.url_for("/f"))
    assert len(items) == 1  # the empty item is skipped, not stored blank
    assert items[0].external_id and items[0].external_id.startswith("s:h:")
    assert items[0].published_at is None
    again, _ = _rss(http_client, httpserver.url_for("/f"))
    assert again[0].external_id == items[0].external_id  # stable across fetches

    httpserver.expect_request("/wp-json/wp/v2/posts").respond_with_json(
        [{"title": {"rendered": "tanpa id"}}, {"id": 9, "title": {"rendered": "ada"}}]
    )
    wp, _ = WordPressFetcher(http_client).fetch(
        SourceConfig("w", "wordpress", httpserver.url_for("/")), FetchState()
    )
    assert [i.external_id for i in wp] == ["w:9"]


def test_html_scripts_never_reach_text(httpserver: HTTPServer, http_client: HttpClient) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/s/kabarpemilu").respond_with_data(
        fixture_bytes("telegram.html"), content_type="text/html"
    )
    items, _ = TelegramFetcher(http_client).fetch(
        SourceConfig("t", "telegram", httpserver.url_for("/"), {"channel": "kabarpemilu"}),
        FetchState(),
    )
    assert items and all("alert" not in i.text and "evil" not in i.text for i in items)


def test_source_that_vanishes(httpserver: HTTPServer, http_client: HttpClient) -> None:
    httpserver.expect_request("/r/gone/new.json").respond_with_data("", status=404)
    with pytest.raises(FetchError) as gone:
        RedditFetcher(http_client).fetch(
            SourceConfig("r", "reddit", httpserver.url_for("/"), {"subreddit": "gone"}),
            FetchState(),
        )
    assert gone.value.status == 404
    dead = httpserver.url_for("/").replace(str(httpserver.port), "9")  # nothing listens on 9
    with pytest.raises(FetchError, match="cannot fetch"):
        _rss(http_client, dead + "feed")


def test_robots_unreachable_means_disallow(httpserver: HTTPServer, http_client: HttpClient) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("down", status=503)
    assert http_client.allowed(httpserver.url_for("/s/x")) is False


def test_invalid_json_and_wrong_shape(httpserver: HTTPServer, http_client: HttpClient) -> None:
    httpserver.expect_request("/wp-json/wp/v2/posts").respond_with_data(
        "{not json", content_type="application/json"
    )
    with pytest.raises(FetchError, match="invalid JSON"):
        WordPressFetcher(http_client).fetch(
            SourceConfig("w", "wordpress", httpserver.url_for("/")), FetchState()
        )
    httpserver.clear()
    httpserver.expect_request("/r/x/new.json").respond_with_json({"error": 403})
    with pytest.raises(FetchError, match="unexpected listing"):
        RedditFetcher(http_client).fetch(
            SourceConfig("r", "reddit", httpserver.url_for("/"), {"subreddit": "x"}),
            FetchState(),
        )


def test_wordpress_failure_keeps_earlier_pages(
    httpserver: HTTPServer, http_client: HttpClient
) -> None:
    def handler(request: Request) -> Response:
        if request.args.get("page") == "2":
            return Response("boom", status=500)
        return Response(fixture_bytes("wp_page1.json"), content_type="application/json")

    httpserver.expect_request("/wp-json/wp/v2/posts").respond_with_handler(handler)
    with pytest.raises(FetchError) as failed:
        WordPressFetcher(http_client).fetch(
            SourceConfig("w", "wordpress", httpserver.url_for("/"), {"per_page": 2}),
            FetchState(),
        )
    assert failed.value.partial is not None
    items, state = failed.value.partial
    assert [i.external_id for i in items] == ["w:501", "w:502"]
    assert state.cursor == "2024-01-10T02:00:00"  # only as far as what was fetched


def test_nested_json_page_is_a_clear_fetch_error() -> None:
    from monitor.sources.http import FetchError, Response

    nested = b"[" * 100_000 + b"]" * 100_000
    page = Response(status=200, url="https://x.example/wp-json", headers={}, content=nested)
    with pytest.raises(FetchError, match="nested too deeply"):
        page.json()
