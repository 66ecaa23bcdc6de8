"""One hostile item costs only itself: the rest of its page is stored and cursors stay sane."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from monitor.collectors.fetchers.base import FetchState, SourceConfig, parse_time
from monitor.collectors.fetchers.mastodon import MastodonFetcher
from monitor.collectors.fetchers.reddit import RedditFetcher
from monitor.collectors.fetchers.telegram import TelegramFetcher
from monitor.collectors.fetchers.wordpress import WordPressFetcher
from monitor.core.runtime import Runtime
from monitor.flows.collect import collect_due
from monitor.posts.models import Post
from monitor.sources import service
from monitor.sources.http import HttpClient
from monitor.sources.schemas import SourceSpec
from tests.collectors.conftest import LOCAL, fixture_bytes, test_settings

TOMORROW = datetime.now(UTC) + timedelta(days=1)


def _wp_post(pid: Any, **extra: Any) -> dict[str, Any]:
    row = {
        "id": pid,
        "date_gmt": "2026-11-30T02:00:00",
        "modified_gmt": "2026-11-30T03:00:00",
        "link": f"https://situs.example/2026/11/berita-{pid}/",
        "title": {"rendered": f"Berita nomor {pid} tentang pilkada"},
        "excerpt": {"rendered": "<p>Ringkasan.</p>"},
        "content": {"rendered": f"<p>Isi berita nomor {pid} tentang persiapan pilkada.</p>"},
        "author": 3,
        "_links": {"author": [{"embeddable": True, "href": "https://situs.example/wp-json/x"}]},
        "_embedded": {"author": [{"id": 3, "name": "Rina Wulandari", "slug": "rina"}]},
    }
    row.update(extra)
    return row


HOSTILE_WP = [
    _wp_post(101),
    # Far-future modification time: stored, but it must not become the cursor.
    _wp_post(102, modified_gmt="9999-12-31T23:59:59"),
    # Site-relative link (sites behind proxies write these): resolved against the site.
    _wp_post(103, link="/2026/11/berita-relatif/"),
    # Entities as WordPress renders titles, one of them double-encoded.
    _wp_post(
        104,
        title={"rendered": "Klaim &#8216;surat suara&#8217; tercoblos &amp;#8216;palsu&amp;#8217;"},
        content={
            "rendered": "<p>\u00a0\u00a0Harga naik &#x0024;5&#8230;</p>"
            "\n\t\t<p>  baris\u00a0dua</p>"
        },
    ),
    # A NUL byte (PostgreSQL refuses it) in the title and in the author's name.
    _wp_post(
        105,
        title={"rendered": "Judul\u0000 dengan NUL"},
        _embedded={"author": [{"name": "A\u0000B"}]},
    ),
    # Edge dates: no UTC equivalent.
    _wp_post(106, date_gmt="0001-01-01T00:00:00+14:00"),
    _wp_post(107, date_gmt="9999-12-31T23:59:59-12:00"),
    # Hostile shapes: an id that is an object, a row that is a string, an id beyond 64 bits.
    _wp_post({"$gt": 1}),
    "not a post",
    _wp_post(2**70),
    # A link that is not http(s) and a body nested in nonsense.
    _wp_post(108, link="javascript:alert(1)", content={"rendered": {"deep": ["x"]}}),
    # Users hidden by the site: WordPress embeds an error instead of the author.
    _wp_post(109, _embedded={"author": [{"code": "rest_user_cannot_view", "data": {}}]}),
]


def test_wordpress_hostile_page_stores_every_valid_post(
    httpserver: HTTPServer, http_client: HttpClient
) -> None:
    httpserver.expect_request("/wp-json/wp/v2/posts").respond_with_json(HOSTILE_WP)
    src = SourceConfig("situs", "wordpress", httpserver.url_for("/"))
    fetcher = WordPressFetcher(http_client)
    items, state = fetcher.fetch(src, FetchState())
    by_id = {i.raw["wp_id"] if i.raw else None: i for i in items}
    assert set(by_id) == {101, 102, 103, 104, 105, 106, 107, 2**70, 108, 109}
    assert fetcher.dropped and len(fetcher.dropped) == 2  # the object id and the string row
    # The cursor is the newest sane modification time, not year 9999.
    assert state.cursor == "2026-11-30T03:00:00"
    assert by_id[103].url == httpserver.url_for("/2026/11/berita-relatif/")
    assert by_id[104].title == "Klaim ‘surat suara’ tercoblos ‘palsu’"
    assert by_id[104].text == "Harga naik $5…\n\nbaris dua"
    assert by_id[105].title == "Judul dengan NUL" and by_id[105].author == "AB"
    assert by_id[101].author == "Rina Wulandari" and by_id[109].author is None
    assert by_id[109].raw and by_id[109].raw["wp_author"] == 3
    assert by_id[106].published_at is None and by_id[107].published_at is None
    assert by_id[108].url is None
    assert by_id[2**70].external_id == f"situs:{2**70}"


def test_wordpress_poisoned_cursor_is_dropped(
    httpserver: HTTPServer, http_client: HttpClient
) -> None:
    seen: list[dict[str, str]] = []

    def handler(request):  # type: ignore[no-untyped-def]
        from werkzeug import Response

        seen.append(dict(request.args))
        return Response(json.dumps([_wp_post(1)]), content_type="application/json")

    httpserver.expect_request("/wp-json/wp/v2/posts").respond_with_handler(handler)
    src = SourceConfig("situs", "wordpress", httpserver.url_for("/"))
    _, state = WordPressFetcher(http_client).fetch(src, FetchState(cursor="9999-12-31T23:59:59"))
    assert "modified_after" not in seen[0]  # a cursor from the year 9999 is ignored
    assert state.cursor == "2026-11-30T03:00:00"


def _status(sid: Any, acct: str = "warga", **extra: Any) -> dict[str, Any]:
    row = {
        "id": sid,
        "uri": f"https://sosial.example/users/{acct}/statuses/{sid}",
        "url": f"https://sosial.example/@{acct}/{sid}",
        "created_at": "2026-11-30T02:00:00.000Z",
        "content": f"<p>Status {sid} soal kampanye di alun-alun</p>",
        "language": "en",
        "account": {"acct": acct, "url": f"https://sosial.example/@{acct}"},
        "tags": [{"name": "pilkada"}],
    }
    row.update(extra)
    return row


def test_mastodon_ids_compared_as_integers_and_bounded(
    httpserver: HTTPServer, http_client: HttpClient
) -> None:
    now_id = int(datetime.now(UTC).timestamp() * 1000) << 16
    rows = [
        _status(str(now_id - 3)),
        _status(str(now_id - 20), acct="budi@lain.example"),
        _status(str(2**70)),  # beyond 64 bits
        _status(str(now_id + (10 * 86400 * 1000 << 16))),  # created ten days from now
        _status("abc"),
        _status(str(now_id - 10), content="<p>Isi dengan NUL\u0000 byte</p>"),
        _status(str(now_id - 5), created_at="9999-12-31T23:59:59-12:00"),
        {"id": None},
        [],
    ]
    httpserver.expect_request("/api/v1/timelines/tag/pilkada").respond_with_json(rows)
    src = SourceConfig("m", "mastodon", httpserver.url_for("/"), {"tag": "pilkada"})
    fetcher = MastodonFetcher(http_client)
    items, state = fetcher.fetch(src, FetchState())
    assert len(items) == 4 and len(fetcher.dropped) == 5
    assert state.cursor == str(now_id - 3)  # the largest integer id, not the longest string
    # Local accounts are qualified by their instance: `warga` here is not `warga` elsewhere.
    assert {i.author for i in items} == {"warga@sosial.example", "budi@lain.example"}
    assert all(i.raw and i.raw["platform_language"] == "en" for i in items)
    assert "Isi dengan NUL byte" in {i.text for i in items}
    assert [i.published_at for i in items].count(None) == 1  # the edge date, not the post, lost
    # A cursor poisoned before ids were bounded is ignored instead of asking for the year 3000.
    httpserver.clear()
    httpserver.expect_request("/api/v1/timelines/tag/pilkada").respond_with_json(rows[:1])
    again, state2 = MastodonFetcher(http_client).fetch(src, FetchState(cursor=str(2**70)))
    assert len(again) == 1 and state2.cursor == str(now_id - 3)
    assert "min_id" not in httpserver.log[-1][0].args


def test_reddit_far_future_timestamp_never_becomes_the_cursor(
    httpserver: HTTPServer, http_client: HttpClient
) -> None:
    children = [
        {
            "kind": "t3",
            "data": {
                "id": "a1",
                "name": "t3_a1",
                "title": "Diskusi pilkada",
                "created_utc": 1764468000.0,
                "permalink": "/r/x/a1",
            },
        },
        {
            "kind": "t3",
            "data": {
                "id": "a2",
                "name": "t3_a2",
                "title": "Dari masa depan",
                "created_utc": 1e12,
                "permalink": "/r/x/a2",
            },
        },
        {
            "kind": "t3",
            "data": {
                "id": "a3",
                "name": "t3_a3",
                "title": "Waktu rusak",
                "created_utc": "kemarin",
                "permalink": "/r/x/a3",
            },
        },
        "junk",
    ]
    httpserver.expect_request("/r/x/new.json").respond_with_json(
        {"data": {"children": children, "after": None}}
    )
    src = SourceConfig("r", "reddit", httpserver.url_for("/"), {"subreddit": "x"})
    fetcher = RedditFetcher(http_client)
    items, state = fetcher.fetch(src, FetchState())
    assert [i.external_id for i in items] == ["t3_a1", "t3_a2"]
    assert len(fetcher.dropped) == 2
    assert state.cursor == repr(1764468000.0)


TELEGRAM = fixture_bytes("telegram_replies.html")


def test_telegram_reply_keeps_its_own_text_and_service_messages_are_skipped(
    httpserver: HTTPServer, http_client: HttpClient
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    httpserver.expect_request("/s/infopemilu").respond_with_data(
        TELEGRAM, content_type="text/html; charset=utf-8"
    )
    src = SourceConfig("tg", "telegram", httpserver.url_for("/"), {"channel": "infopemilu"})
    fetcher = TelegramFetcher(http_client)
    items, state = fetcher.fetch(src, FetchState())
    by_id = {i.external_id: i for i in items}
    assert sorted(by_id) == ["infopemilu/40", "infopemilu/41", "infopemilu/42"]
    reply = by_id["infopemilu/41"]
    assert reply.text == "KLARIFIKASI: itu foto simulasi tahun 2019, bukan TPS 12."
    assert reply.raw and reply.raw["reply_to"] == {
        "url": "https://t.me/infopemilu/40",
        "text": "Pesan berantai: surat suara di TPS 12 sudah dicoblos sebelum pemungutan.",
    }
    assert by_id["infopemilu/42"].published_at is None
    assert len(fetcher.dropped) == 1 and "out of range" in fetcher.dropped[0]
    assert state.cursor == "42"  # the impossible id never becomes the cursor
    # A cursor poisoned before ids were bounded reads a fresh page instead of nothing.
    again, _ = TelegramFetcher(http_client).fetch(src, FetchState(cursor="99999999999999999999"))
    assert len(again) == 3


@pytest.fixture
def crt(rt: Runtime, tmp_path: Path) -> Runtime:
    """The rolled-back runtime with collector settings."""
    return Runtime(settings=test_settings(tmp_path), engine=rt.engine, factory=rt.factory)


def test_hostile_page_stored_on_both_databases_and_drops_shown(
    crt: Runtime, httpserver: HTTPServer, http_client: HttpClient
) -> None:
    httpserver.expect_request("/wp-json/wp/v2/posts").respond_with_json(HOSTILE_WP)
    with crt.session() as s:
        spec = SourceSpec(name="situs", kind="wordpress", url=httpserver.url_for("/"))
        service.add(s, spec, "t", policy=LOCAL)
    [report] = collect_due(crt, http_client)
    assert report.error is None and report.new == 10 and report.dropped == 2
    with crt.session() as s:
        posts = list(s.scalars(select(Post)))
        [out] = service.list_sources(s)
    assert len(posts) == 10
    assert not any("\x00" in (p.title or "") + p.text + (p.author or "") for p in posts)
    assert out.dropped_last_run == 2 and out.dropped_total == 2
    assert out.stats["last_drop_reasons"] and out.stats["last_fetched"] == 12
    assert parse_time(out.stats["last_run_at"]) is not None
    assert all(p.published_at is None or p.published_at < TOMORROW for p in posts)
