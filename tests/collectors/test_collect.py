"""Collection runs on both databases: schedule, backoff, Retry-After, disable, nothing lost."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select, update
from werkzeug import Request, Response

from monitor.core.base import utcnow
from monitor.core.runtime import Runtime
from monitor.factchecks.models import FactCheck
from monitor.flows.collect import collect_due, run_now
from monitor.posts.models import Post
from monitor.sources import service, sourcesfile
from monitor.sources.http import HttpClient
from monitor.sources.models import Source
from monitor.sources.schemas import SourceSpec
from tests.collectors.conftest import LOCAL, fixture_bytes, test_settings


@pytest.fixture
def crt(rt: Runtime, tmp_path: Path) -> Runtime:
    """The rolled-back runtime with collector settings (3 failures disable a source)."""
    return Runtime(settings=test_settings(tmp_path), engine=rt.engine, factory=rt.factory)


def _add(rt: Runtime, name: str, kind: str, url: str, **extra: object) -> None:
    with rt.session() as s:
        service.add(s, SourceSpec(name=name, kind=kind, url=url, **extra), "test", policy=LOCAL)


def _source(rt: Runtime, name: str) -> Source:
    with rt.session() as s:
        row = s.scalar(select(Source).where(Source.name == name))
        assert row is not None
        return row


def _count(rt: Runtime, model: type = Post) -> int:
    with rt.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_run_stores_items_then_waits_for_the_interval(
    crt: Runtime, httpserver: HTTPServer, http_client: HttpClient
) -> None:
    def feed(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"e1"':
            return Response(status=304)
        return Response(
            fixture_bytes("rss2.xml"), headers={"ETag": '"e1"'}, content_type="text/xml"
        )

    httpserver.expect_request("/feed").respond_with_handler(feed)
    _add(crt, "berita", "rss", httpserver.url_for("/feed"), interval="10m", language="id")
    reports = collect_due(crt, http_client)
    assert [(r.name, r.new, r.error) for r in reports] == [("berita", 3, None)]
    row = _source(crt, "berita")
    assert row.etag == '"e1"' and row.failure_count == 0 and row.lease_owner is None
    assert row.next_fetch_at > utcnow() + timedelta(minutes=8)
    assert row.stats["total_new"] == 3 and row.stats["runs"] == 1
    assert collect_due(crt, http_client) == []  # nothing due: the database is the schedule
    again = run_now(crt, "berita", http_client)
    assert again.new == 0 and again.error is None  # 304: nothing changed, nothing duplicated
    assert _count(crt) == 3
    with crt.session() as s:
        post = s.scalar(select(Post).where(Post.external_id == "berita:berita-1001"))
        assert post is not None and post.source_id == row.id and post.language == "id"
        assert post.canonical_url == "https://berita.example/politik/kpu-jadwal-kampanye"


def test_retry_after_backoff_and_system_disable(
    crt: Runtime, httpserver: HTTPServer, http_client: HttpClient
) -> None:
    httpserver.expect_ordered_request("/feed").respond_with_data(
        "busy", status=429, headers={"Retry-After": "3600"}
    )
    _add(crt, "rapuh", "rss", httpserver.url_for("/feed"), interval="5m")
    [report] = collect_due(crt, http_client)
    assert report.error and "429" in report.error
    row = _source(crt, "rapuh")
    assert row.failure_count == 1 and row.next_fetch_at >= utcnow() + timedelta(minutes=59)

    httpserver.clear()
    httpserver.expect_request("/feed").respond_with_data("down", status=500)
    for expected in (2, 3):
        report = run_now(crt, "rapuh", http_client)
        row = _source(crt, "rapuh")
        assert row.failure_count == expected
    assert report.disabled and row.system_disabled
    assert row.disabled_reason and "3 consecutive failures" in row.disabled_reason
    assert "HTTP 500" in row.disabled_reason
    with crt.session() as s:
        s.execute(update(Source).values(next_fetch_at=utcnow()))
    assert collect_due(crt, http_client) == []  # system-disabled sources are never due
    with crt.session() as s:
        service.set_enabled(s, "rapuh", True, "test")
    row = _source(crt, "rapuh")
    assert not row.system_disabled and row.failure_count == 0 and row.disabled_reason is None


def test_backoff_grows_caps_and_honours_retry_after() -> None:
    cap = timedelta(hours=6)
    delays = [service.backoff(600, n, cap, None).total_seconds() for n in (1, 2, 3, 10)]
    assert 480 <= delays[0] <= 720 and 960 <= delays[1] <= 1440 and 1920 <= delays[2] <= 2880
    assert delays[3] <= cap.total_seconds() * 1.2
    assert service.backoff(600, 1, cap, 7200).total_seconds() >= 7200
    assert service.backoff(600, 1, cap, 10**9).total_seconds() <= 86400


def test_failure_mid_pagination_keeps_pages_and_resumes(
    crt: Runtime, httpserver: HTTPServer, http_client: HttpClient
) -> None:
    state = {"broken": True}

    def wp(request: Request) -> Response:
        page = request.args.get("page")
        if page == "2" and state["broken"]:
            return Response("boom", status=502)
        if "modified_after" in request.args:
            # The resumed run asks only for what is after the stored cursor.
            assert request.args["modified_after"] >= "2024-01-10T01:59:59"
            return Response(fixture_bytes("wp_page2.json"), content_type="application/json")
        body = fixture_bytes("wp_page1.json") if page == "1" else fixture_bytes("wp_page2.json")
        return Response(body, content_type="application/json")

    httpserver.expect_request("/wp-json/wp/v2/posts").respond_with_handler(wp)
    _add(crt, "wp", "wordpress", httpserver.url_for("/"), config={"per_page": 2})
    [report] = collect_due(crt, http_client)
    assert report.error and report.new == 2  # page 1 stored despite page 2 failing
    row = _source(crt, "wp")
    assert row.cursor == "2024-01-10T02:00:00" and row.failure_count == 1
    state["broken"] = False
    report = run_now(crt, "wp", http_client)
    assert report.error is None and report.new == 1
    assert _count(crt) == 3 and _source(crt, "wp").cursor == "2024-01-11T01:00:00"


def test_factchecker_items_become_factchecks(
    crt: Runtime, httpserver: HTTPServer, http_client: HttpClient
) -> None:
    def wp(request: Request) -> Response:
        body = fixture_bytes("wp_page1.json") if request.args.get("page") == "1" else b"[]"
        return Response(body, content_type="application/json")

    httpserver.expect_request("/wp-json/wp/v2/posts").respond_with_handler(wp)
    _add(
        crt,
        "tbh",
        "wordpress",
        httpserver.url_for("/"),
        factchecker=True,
        config={"publisher": "TurnBackHoax", "per_page": 2},
    )
    for _ in range(2):  # a re-fetch refreshes the records, never duplicates them
        run_now(crt, "tbh", http_client)
    with crt.session() as s:
        rows = s.scalars(select(FactCheck).order_by(FactCheck.external_id)).all()
        assert [(r.external_id, r.verdict, r.publisher) for r in rows] == [
            ("tbh:501", "salah", "TurnBackHoax"),
            ("tbh:502", "hoaks", "TurnBackHoax"),
        ]
        assert rows[0].claim and rows[0].claim.startswith("Beredar video yang menyebut")
        assert rows[1].claim == "Pesan Berantai Pemilih Wajib Bawa Fotokopi KK"
        assert rows[0].url == "https://factcheck.example/2024/01/10/klaim-a/"
    assert _count(crt) == 0  # debunks are not posts to review


def test_same_items_from_two_sources_kept_per_source_and_linked_as_copies(
    crt: Runtime, httpserver: HTTPServer, http_client: HttpClient
) -> None:
    httpserver.expect_request("/a").respond_with_data(fixture_bytes("rss2.xml"))
    httpserver.expect_request("/b").respond_with_data(fixture_bytes("rss2.xml"))
    _add(crt, "a", "rss", httpserver.url_for("/a"))
    _add(crt, "b", "rss", httpserver.url_for("/b"))
    reports = {r.name: r for r in collect_due(crt, http_client)}
    # An item's identity is (source, its id): each source keeps its rows; the second copy of
    # each text points at the first, so it is scored and reviewed once.
    assert reports["a"].new == reports["b"].new == 3
    assert reports["a"].duplicates + reports["b"].duplicates == 3
    assert _count(crt) == 6


def test_misconfigured_source_fails_without_crashing(crt: Runtime, http_client: HttpClient) -> None:
    _add(crt, "m", "mastodon", "https://mastodon.invalid")  # no tag or account_id
    [report] = collect_due(crt, http_client)
    assert report.error and "config.tag" in report.error
    assert _source(crt, "m").last_error == report.error


def test_sources_file_sync_keeps_cli_switches(crt: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(
        '[[sources]]\nname = "a"\nkind = "rss"\nurl = "https://a.example/feed"\n'
        'interval = "20m"\n\n[[sources]]\nname = "b"\nkind = "rss"\n'
        'url = "https://b.example/feed"\nenabled = false\n'
    )
    with crt.session() as s:
        assert service.sync(s, sourcesfile.load(path), policy=LOCAL) == {
            "added": 2,
            "updated": 0,
            "unchanged": 0,
        }
        service.set_enabled(s, "a", False, "test", "too noisy")
    with crt.session() as s:
        assert service.sync(s, sourcesfile.load(path), policy=LOCAL)["unchanged"] == 2
    assert not _source(crt, "a").enabled  # the CLI's switch survives a restart
    assert _source(crt, "a").interval_seconds == 1200
    path.write_text(path.read_text().replace("enabled = false", "enabled = true"))
    with crt.session() as s:
        service.sync(s, sourcesfile.load(path), policy=LOCAL)
    assert _source(crt, "b").enabled  # the file changed its value: applied


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[[sources]]\nname = 'a'\n", "kind"),
        ("[[sources]]\nname='A B'\nkind='rss'\nurl='https://x'\n", "lowercase"),
        ("[[sources]]\nname='a'\nkind='gopher'\nurl='https://x'\n", "gopher"),
        ("[[sources]]\nname='a'\nkind='rss'\nurl='file:///etc/passwd'\n", "http(s)"),
        ("[[sources]]\nname='a'\nkind='rss'\nurl='https://x'\ninterval='5s'\n", "at least"),
        ("[[sources]]\nname='a'\nkind='rss'\nurl='https://x'\nintervl='5m'\n", "intervl"),
        ("[[sources]\nname=", "not valid TOML"),
        ("sources = 3\n", "array of tables"),
        (
            "[[sources]]\nname='a'\nkind='rss'\nurl='https://x'\n"
            "[[sources]]\nname='a'\nkind='rss'\nurl='https://y'\n",
            "used twice",
        ),
    ],
)
def test_invalid_sources_file_names_the_problem(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "s.toml"
    path.write_text(text)
    with pytest.raises(sourcesfile.SourcesFileError, match=None) as err:
        sourcesfile.load(path)
    assert needle in str(err.value)


def test_default_sources_file_is_valid() -> None:
    specs = sourcesfile.load(sourcesfile.default_path())
    kinds = {s.kind for s in specs}
    assert {"rss", "wordpress", "mastodon", "telegram", "reddit"} <= kinds
    assert any(s.factchecker and s.enabled for s in specs)
