"""Issue 13, finding 1 (SSRF): every bypass of the outbound policy is refused, on 127.0.0.1.

Two real servers: the feed host, allow-listed by port as an operator would, and an
"internal" page on another port that must never be reached in any spelling.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from monitor.alerts import channels, subscriptions
from monitor.collectors.fetchers.rss import RssFetcher
from monitor.core.outbound import OutboundPolicy, OutboundRefused, blocked, system_resolver
from monitor.core.runtime import Runtime
from monitor.core.settings import load_settings
from monitor.flows import collect as tasks
from monitor.keys import service as keys
from monitor.keys.principal import SYSTEM
from monitor.keys.service import principal_of
from monitor.posts.models import Post
from monitor.sources import service as sources
from monitor.sources.fetching import FetchState, SourceConfig
from monitor.sources.http import FetchError, HttpClient
from monitor.sources.schemas import SourceSpec

SECRET_PAGE = "RAHASIA-INTERNAL metadata iam credentials token"

SPELLINGS = [
    "127.0.0.1",
    "127.1",
    "127.0.1",
    "0x7f.0.0.1",
    "0177.0.0.1",
    "2130706433",
    "localhost",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
]


def _nip(host: str, port: int) -> list[str]:
    """Resolve `*.A.B.C.D.nip.io` as the public nip.io service does; else the system."""
    if host.endswith(".nip.io"):
        return [".".join(host.removesuffix(".nip.io").split(".")[-4:])]
    return system_resolver(host, port)


@pytest.fixture
def internal() -> Iterator[HTTPServer]:
    """The page an attacker wants read back: any request to it is a failure."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/secret").respond_with_data(
        f"<html><body><article><p>{SECRET_PAGE}</p></article></body></html>" * 5,
        content_type="text/html",
    )
    server.start()
    yield server
    server.clear()
    server.stop()


def _policy(feed: HTTPServer) -> OutboundPolicy:
    return OutboundPolicy.allowing(f"127.0.0.1:{feed.port}", resolver=_nip)


def _links(internal: HTTPServer) -> list[str]:
    port = internal.port
    links = [f"http://{h}:{port}/secret" for h in SPELLINGS]
    return [*links, f"http://x.127.0.0.1.nip.io:{port}/secret", f"http://[::1]:{port}/secret"]


def _feed(feed: HTTPServer, links: list[str]) -> bytes:
    items = "".join(
        f"<item><guid>g{i}</guid><title>Berita {i}</title><link>{link}</link>"
        f"<description>Ringkasan berita pemilu nomor {i}.</description></item>"
        for i, link in enumerate(links)
    )
    return f"<?xml version='1.0'?><rss version='2.0'><channel>{items}</channel></rss>".encode()


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "100.64.0.1",
        "0.0.0.0", "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1",
        "fc00::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::7f00:1",
        "2002:7f00:1::", "2001::1",
    ],
)  # fmt: skip
def test_internal_addresses_are_blocked(address: str) -> None:
    assert blocked(ipaddress.ip_address(address))


def test_public_addresses_pass() -> None:
    for address in ("8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"):
        assert not blocked(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "url",
    [
        *[f"https://{h}/hook" for h in SPELLINGS],
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/feed",
        "https://[::1]/x",
        "https://[0:0:0:0:0:ffff:7f00:1]/x",
        "https://evil.127.0.0.1.nip.io/x",
        "https://169.254.169.254.nip.io/x",
        "http://0/x",
    ],
)
def test_every_spelling_is_refused_at_registration(url: str) -> None:
    with pytest.raises(OutboundRefused, match="internal address"):
        OutboundPolicy(resolver=_nip).check_url(url)


def test_allow_list_entries_are_exact() -> None:
    policy = OutboundPolicy.allowing("127.0.0.1:8080", "10.1.0.0/16", "feeds.lan")
    policy.check_url("http://127.1:8080/feed")  # the same destination, another spelling
    policy.check_url("http://10.1.2.3/feed")
    with pytest.raises(OutboundRefused):
        policy.check_url("http://127.0.0.1:8081/feed")
    with pytest.raises(OutboundRefused):
        policy.check_url("http://10.2.0.1/feed")
    with pytest.raises(ValueError, match="allow-list entry"):
        OutboundPolicy.allowing("http://x/")
    with pytest.raises(Exception, match="WASPADA_OUTBOUND_ALLOW"):
        load_settings(outbound_allow="10.0.0.0/8,not a host")


def test_article_links_in_every_spelling_never_reach_the_internal_page(
    httpserver: HTTPServer, internal: HTTPServer
) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        _feed(httpserver, _links(internal)), content_type="application/rss+xml"
    )
    src = SourceConfig("berita", "rss", httpserver.url_for("/feed"), {"full_text": True})
    with HttpClient(user_agent="t", host_interval=0.0, policy=_policy(httpserver)) as client:
        items, _ = RssFetcher(client).fetch(src, FetchState())
    assert len(items) == len(_links(internal))  # the feed's own summaries are kept
    assert all(SECRET_PAGE not in i.text for i in items)
    assert internal.log == []  # not even robots.txt was asked for


def test_redirects_to_internal_addresses_are_refused(
    httpserver: HTTPServer, internal: HTTPServer
) -> None:
    hops = [f"http://{h}:{internal.port}/secret" for h in ("127.1", "0x7f.0.0.1", "localhost")]
    for i, target in enumerate(hops):
        httpserver.expect_request(f"/go{i}").respond_with_data("", 302, {"Location": target})
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/feed").respond_with_data(
        _feed(httpserver, [httpserver.url_for(f"/go{i}") for i in range(len(hops))]),
        content_type="application/rss+xml",
    )
    httpserver.expect_request("/moved").respond_with_data(
        "", 301, {"Location": f"http://127.1:{internal.port}/secret"}
    )
    with HttpClient(user_agent="t", host_interval=0.0, policy=_policy(httpserver)) as client:
        src = SourceConfig("b", "rss", httpserver.url_for("/feed"), {"full_text": True})
        items, _ = RssFetcher(client).fetch(src, FetchState())
        assert items and all(SECRET_PAGE not in i.text for i in items)
        with pytest.raises(FetchError, match="refused"):
            client.get(httpserver.url_for("/moved"))
    assert internal.log == []


def test_the_address_is_checked_per_connection_not_once(internal: HTTPServer) -> None:
    """DNS rebinding: a name public at registration that later answers 127.0.0.1."""
    answers = iter([["93.184.216.34"], ["127.0.0.1"], ["127.0.0.1"]])
    policy = OutboundPolicy(resolver=lambda host, port: next(answers))
    url = f"http://rebind.example:{internal.port}/secret"
    policy.check_url(url)  # registration saw a public address
    client = HttpClient(user_agent="t", host_interval=0.0, policy=policy)
    with client, pytest.raises(FetchError, match="refused"):
        client.get(url)
    assert internal.log == []


def test_a_collected_feed_stores_nothing_of_the_internal_page(
    rt: Runtime, httpserver: HTTPServer, internal: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/go").respond_with_data(
        "", 302, {"Location": f"http://0x7f.0.0.1:{internal.port}/secret"}
    )
    httpserver.expect_request("/feed").respond_with_data(
        _feed(httpserver, [*_links(internal), httpserver.url_for("/go")]),
        content_type="application/rss+xml",
    )
    settings = load_settings(
        data_dir=tmp_path / "d",
        http_host_interval=0.0,
        outbound_allow=f"127.0.0.1:{httpserver.port}",
    )
    rt = Runtime(settings=settings, engine=rt.engine, factory=rt.factory)
    spec = SourceSpec(
        name="berita", kind="rss", url=httpserver.url_for("/feed"), config={"full_text": True}
    )
    with rt.session() as s:
        sources.add(s, spec, "t", policy=_policy(httpserver))
        # Admins cannot register a source at an internal address either.
        for url in ("http://169.254.169.254/feed", f"http://127.1:{internal.port}/x"):
            bad = SourceSpec(name="meta", kind="rss", url=url)
            with pytest.raises(ValueError, match="internal address"):
                sources.add(s, bad, "admin", policy=_policy(httpserver))
    client = tasks.make_client(settings)
    try:
        reports = tasks.collect_due(rt, client, worker="w")
    finally:
        client.close()
    assert [r.error for r in reports] == [None]
    with rt.session() as s:
        texts = s.scalars(select(Post.text)).all()
    assert len(texts) == len(_links(internal)) + 1
    assert all(SECRET_PAGE not in t for t in texts)
    assert internal.log == []


def test_alert_channels_refuse_internal_receivers(internal: HTTPServer, tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path / "d",
        outbound_allow="",
        telegram_bot_token="123:abc",
        telegram_api_url=f"http://0x7f.0.0.1:{internal.port}",
        smtp_url=f"smtp://127.1:{internal.port}",
    )
    msg = channels.Message({"a": 1}, "text", "subject")
    for host in SPELLINGS:
        # httpx itself rejects the octal spelling as an invalid URL: refused either way.
        with pytest.raises(channels.DeliveryError, match=r"outbound policy|invalid URL"):
            channels.send_webhook(f"http://{host}:{internal.port}/secret", "s" * 20, msg, settings)
    with pytest.raises(channels.DeliveryError, match="outbound policy"):
        channels.send_telegram("-100", msg, settings)
    with pytest.raises(channels.DeliveryError, match="outbound policy"):
        channels.send_email("a@b.example", msg, settings)
    assert internal.log == []


def test_admins_cannot_subscribe_internal_webhooks(db: object) -> None:
    from sqlalchemy.orm import Session

    assert isinstance(db, Session)
    admin, _ = keys.create_key(db, "ops", "admin")
    strict = OutboundPolicy(resolver=_nip)
    for target in ("https://127.1/x", "https://0x7f.0.0.1/x", "https://127.0.1/x",
                   "https://a.10.0.0.1.nip.io/x", "http://169.254.169.254/x"):  # fmt: skip
        req = subscriptions.SubscriptionRequest(name="n", channel="webhook", target=target)
        for owner, trusted in ((principal_of(admin), False), (SYSTEM, True)):
            with pytest.raises(subscriptions.SubscriptionError, match="internal address"):
                subscriptions.create(db, owner, req, trusted=trusted, policy=strict)
