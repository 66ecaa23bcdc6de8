"""Issue 13, finding 3: expired keys, brute force before scrypt, proxies, logout, slowloris."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from api.app import create_app
from api.server import uvicorn_config
from monitor.alerts import repository as alert_repo
from monitor.alerts import service as alerts
from monitor.alerts import subscriptions
from monitor.alerts.delivery import deliver_pending
from monitor.alerts.models import Delivery
from monitor.core.base import utcnow
from monitor.core.db import make_engine
from monitor.core.runtime import Runtime, runtime_for_engine
from monitor.core.settings import load_settings
from monitor.keys import hashing
from monitor.keys import service as keys
from monitor.keys.service import principal_of
from tests.alerts.conftest import LOCAL, SECRET_15, Receivers, receivers
from tests.alerts.seed import alert_now, burst, load
from tests.support.client import app_client
from tests.support.processes import free_port
from tests.web.conftest import csrf_of

__all__ = ["receivers"]  # the 127.0.0.1 receivers fixture, shared with tests/alerts

ITEMS = "/api/v1/items"


def _subscribe(rt: Runtime, receivers: Receivers, expires_in: timedelta) -> tuple[int, int]:
    with rt.session() as s:
        load(s)
        key, _ = keys.create_key(s, "liaison-15", "liaison", ["15"])
        key.expires_at = utcnow() + expires_in
        req = subscriptions.SubscriptionRequest(
            name="hook",
            channel="webhook",
            target=receivers.url("/hook"),
            region_codes=("15",),
            secret=SECRET_15,
        )
        sub, _ = subscriptions.create(s, principal_of(key), req, trusted=True, policy=LOCAL)
        return key.id, sub.id


@pytest.mark.regions
def test_an_expired_key_gets_no_alerts(rt: Runtime, receivers: Receivers) -> None:
    receivers.webhook("/hook", SECRET_15)
    # Two hours ago: expired whatever the minute, since `alert_now` is up to 50 minutes ahead of
    # the clock (a key one minute past expiry looked alive in the last minutes of each hour).
    _subscribe(rt, receivers, expires_in=-timedelta(hours=2))
    now = alert_now()
    with rt.session() as s:
        burst(s, now)
        result = alerts.evaluate(s, now)
        assert result.raised >= 1
        assert result.deliveries == 0  # delivery checked revocation only; expiry now too
    assert receivers.at("/hook") == []


@pytest.mark.regions
def test_a_key_expiring_after_queueing_is_not_sent_to(rt: Runtime, receivers: Receivers) -> None:
    receivers.webhook("/hook", SECRET_15)
    key_id, sub_id = _subscribe(rt, receivers, expires_in=timedelta(hours=1))
    now = alert_now()
    with rt.session() as s:
        burst(s, now)
        assert alerts.evaluate(s, now).deliveries == 1
        key = keys.repository.by_id(s, key_id)
        assert key is not None
        key.expires_at = now - timedelta(seconds=1)  # expires while the row waits
    result = deliver_pending(rt, now=now)
    assert (result.sent, result.dead) == (0, 1)
    assert receivers.at("/hook") == []
    with rt.session() as s:
        rows = s.query(Delivery).filter(Delivery.subscription_id == sub_id).all()
        assert [(d.status, d.last_error) for d in rows] == [
            ("dead", "owner key revoked or expired")
        ]
        assert alert_repo.get_subscription(s, sub_id) is not None  # nothing else lost


@pytest.fixture
def scrypt_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count real scrypt checks (a spy: the real function still runs)."""
    calls: list[int] = []
    real = hashing.check_secret

    def counting(plaintext: str, stored: str) -> bool:
        calls.append(1)
        return real(plaintext, stored)

    monkeypatch.setattr(hashing, "check_secret", counting)
    return calls


@pytest.fixture
def slow_refill(rt: Runtime) -> Runtime:
    """The runtime with failed tries regained once an hour, not every 10 s.

    Why: each failure runs a real scrypt check; on a loaded machine 20 of them take longer
    than one refill, and the count of 401s before the first 429 would drift by one.
    """
    settings = rt.settings.model_copy(update={"auth_failure_rate": 1 / 3600})
    return Runtime(settings=settings, engine=rt.engine, factory=rt.factory)


def test_failed_keys_get_429_before_any_hashing(
    slow_refill: Runtime, scrypt_calls: list[int]
) -> None:
    rt = slow_refill
    client = app_client(rt)
    with rt.session() as s:
        row, good = keys.create_key(s, "ani", "reviewer")
        prefix = row.prefix
    assert client.get(ITEMS, headers={"X-API-Key": good}).status_code == 200  # now cached
    burst_size = rt.settings.auth_failure_burst
    guess = f"wsp_{prefix}_{'A' * 43}"  # the right prefix, a wrong secret
    statuses = [
        client.get(ITEMS, headers={"X-API-Key": guess}).status_code for _ in range(burst_size + 15)
    ]
    assert statuses[:burst_size] == [401] * burst_size
    assert set(statuses[burst_size:]) == {429}
    hashed = len(scrypt_calls)
    assert hashed == 1 + burst_size  # the good key once, then each failure until the limit
    # Malformed and unknown keys from the same address are refused too (they were never 429).
    for junk in ("nonsense", "wsp_000000000000_" + "B" * 43):
        res = client.get(ITEMS, headers={"Authorization": f"Bearer {junk}"})
        assert res.status_code == 429 and int(res.headers["Retry-After"]) >= 1
    assert len(scrypt_calls) == hashed
    # The key's owner, already verified in this process, is not locked out by the guesser.
    assert client.get(ITEMS, headers={"X-API-Key": good}).status_code == 200


def test_a_key_prefix_is_limited_across_addresses(
    slow_refill: Runtime, scrypt_calls: list[int]
) -> None:
    rt = slow_refill
    app = create_app(rt)
    with rt.session() as s:
        row, _ = keys.create_key(s, "budi", "reviewer")
    guess = f"wsp_{row.prefix}_{'C' * 43}"
    codes = []
    for i in range(rt.settings.auth_failure_burst + 3):
        # A new client address per try: TestClient's peer address is set per client.
        client = TestClient(app, client=(f"10.0.{i // 250}.{i % 250}", 5000))
        codes.append(client.get(ITEMS, headers={"X-API-Key": guess}).status_code)
    assert codes[-1] == 429 and codes.count(401) == rt.settings.auth_failure_burst


def test_logout_ends_the_session_server_side(rt: Runtime) -> None:
    with rt.session() as s:
        _, key = keys.create_key(s, "cici", "reviewer")
    client = app_client(rt, follow_redirects=False)
    page = client.get("/ui/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    assert (
        client.post("/ui/login", data={"key": key, "csrf_token": token.group(1)}).status_code == 303
    )
    stolen = dict(client.cookies)
    queue = client.get("/ui/")
    assert queue.status_code == 200
    out = client.post("/ui/logout", data={"csrf_token": csrf_of(queue.text)})
    assert out.status_code == 303
    replay = app_client(rt, follow_redirects=False, cookies=stolen)
    assert replay.get("/ui/").status_code == 303  # back to the login page
    assert replay.get(ITEMS).status_code == 401


@pytest.fixture
def served(fresh_db_url: str, tmp_path: Path) -> Iterator[tuple[str, Runtime]]:
    """The API on a real uvicorn server on 127.0.0.1, configured as `waspada up` does."""
    port = free_port()
    settings = load_settings(
        data_dir=tmp_path / "d",
        database_url=fresh_db_url,
        api_port=port,
        http_header_timeout=1.0,
        auth_failure_burst=5,
    )
    rt = runtime_for_engine(settings, make_engine(fresh_db_url))
    config = uvicorn_config(create_app(rt), settings)
    assert config.proxy_headers is False and config.forwarded_allow_ips == ""
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", rt
    server.should_exit = True
    thread.join(10)
    rt.close()


def test_forwarded_for_is_ignored_unless_from_a_trusted_proxy(
    served: tuple[str, Runtime],
) -> None:
    base, rt = served
    codes = []
    with httpx.Client(base_url=base, trust_env=False) as client:
        for i in range(rt.settings.auth_failure_burst + 3):
            headers = {"X-API-Key": "wsp_bad", "X-Forwarded-For": f"203.0.113.{i}"}
            codes.append(client.get(ITEMS, headers=headers).status_code)
    assert codes[-1] == 429  # a new "address" per try did not reset the budget
    trusted = load_settings(trusted_proxies="10.0.0.1, 10.0.0.2")
    config = uvicorn_config(object(), trusted)
    assert config.proxy_headers is True and config.forwarded_allow_ips == "10.0.0.1,10.0.0.2"


def test_a_client_that_never_finishes_its_headers_is_closed(served: tuple[str, Runtime]) -> None:
    base, _ = served
    port = int(base.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        assert sock.recv(1024) == b""  # closed by the server, not by our 30 s safety timeout
    with socket.create_connection(("127.0.0.1", port), timeout=30) as idle:
        assert idle.recv(1024) == b""  # a connection that sends nothing is closed too
