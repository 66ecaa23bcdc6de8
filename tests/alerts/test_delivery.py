"""The outbox: retries with backoff, dead letter, a down receiver, email over real SMTP."""

from __future__ import annotations

import logging
import re
import threading
from datetime import datetime, timedelta

import httpx
import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy.orm import Session
from werkzeug import Request, Response

from monitor.alerts import repository, service, subscriptions
from monitor.alerts.channels import (
    DeliveryError,
    Message,
    _retry_after,
    send_webhook,
    sign,
    verify,
)
from monitor.alerts.delivery import DeliveryPolicy, deliver_pending
from monitor.alerts.models import Delivery
from monitor.core.base import utcnow
from monitor.core.outbound import OutboundPolicy
from monitor.core.runtime import Runtime
from monitor.keys import service as keys
from monitor.keys.principal import SYSTEM
from monitor.keys.service import principal_of
from tests.alerts.conftest import BOT_TOKEN, LOCAL, SECRET_15, Mailbox, Receivers
from tests.alerts.seed import alert_now, burst, load
from tests.support.processes import free_port

# One regions load per session (tests/conftest.py::regions_engine), not one per test.
pytestmark = pytest.mark.regions

FAST = DeliveryPolicy(max_attempts=3, base=timedelta(minutes=1), cap=timedelta(minutes=3))


def _subscribe(s: Session, channel: str, target: str, secret: str | None = None) -> int:
    req = subscriptions.SubscriptionRequest(
        name=f"{channel} sub", channel=channel, target=target, region_codes=("15",), secret=secret
    )
    return subscriptions.create(s, SYSTEM, req, policy=LOCAL)[0].id


def _raise_burst(rt: Runtime, now: datetime) -> int:
    with rt.session() as s:
        burst(s, now, n=8)
        result = service.evaluate(s, now)
    assert result.raised == 1
    return result.deliveries


def _deliveries(rt: Runtime) -> dict[int, Delivery]:
    with rt.session() as s:
        return {d.subscription_id: d for d in repository.deliveries(s)}


def test_failing_webhook_backs_off_then_dead_letters_losing_nothing(
    alert_rt: Runtime, receivers: Receivers, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    receivers.webhook("/hook", SECRET_15, statuses=[500, 503, 502, 200])
    now = alert_now()
    with alert_rt.session() as s:
        load(s)
        sub = _subscribe(s, "webhook", receivers.url("/hook"), SECRET_15)
    assert _raise_burst(alert_rt, now) == 1

    first = deliver_pending(alert_rt, FAST, now=now)
    assert (first.sent, first.retried, first.dead) == (0, 1, 0)
    d = _deliveries(alert_rt)[sub]
    assert (d.status, d.attempts, d.last_error) == ("pending", 1, "webhook: HTTP 500")
    wait = d.next_attempt_at - utcnow()
    assert timedelta(seconds=30) < wait <= timedelta(minutes=1)
    # Not due yet: a pass right now leaves it alone.
    assert deliver_pending(alert_rt, FAST).retried == 0
    assert len(receivers.at("/hook")) == 1

    second = deliver_pending(alert_rt, FAST, now=utcnow() + timedelta(minutes=2))
    assert second.retried == 1
    d = _deliveries(alert_rt)[sub]
    # Backoff doubles after the second failure.
    assert timedelta(seconds=90) < d.next_attempt_at - utcnow() <= timedelta(minutes=2)

    third = deliver_pending(alert_rt, FAST, now=utcnow() + timedelta(minutes=5))
    assert (third.dead, third.retried) == (1, 0)
    d = _deliveries(alert_rt)[sub]
    assert (d.status, d.attempts, d.last_error) == ("dead", 3, "webhook: HTTP 502")
    # Dead letters are not retried by ordinary passes...
    assert deliver_pending(alert_rt, FAST, now=utcnow() + timedelta(days=1)).sent == 0
    assert len(receivers.at("/hook")) == 3
    assert any(r.getMessage() == "delivery dead-lettered" for r in caplog.records)

    # ...and the alert is still there to requeue once the receiver is back.
    with alert_rt.session() as s:
        assert repository.requeue_dead(s, utcnow()) == 1
    assert deliver_pending(alert_rt, FAST).sent == 1
    calls = receivers.at("/hook")
    assert len(calls) == 4 and all(c.signature_ok for c in calls)
    assert calls[0].body == calls[3].body
    assert _deliveries(alert_rt)[sub].status == "sent"


def test_down_receiver_does_not_block_the_others(
    alert_rt: Runtime, receivers: Receivers, mailbox: Mailbox
) -> None:
    receivers.webhook("/up", SECRET_15)
    receivers.telegram(statuses=[502])
    now = alert_now()
    closed = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
    with alert_rt.session() as s:
        load(s)
        down = _subscribe(s, "webhook", closed, SECRET_15)
        up = _subscribe(s, "webhook", receivers.url("/up"), SECRET_15)
        tg = _subscribe(s, "telegram", "-1001500700")
        mail = _subscribe(s, "email", "bawaslu.jambi@example.org")
    assert _raise_burst(alert_rt, now) == 4

    result = deliver_pending(alert_rt, FAST, now=now)
    assert (result.sent, result.retried, result.dead) == (2, 2, 0)
    rows = _deliveries(alert_rt)
    assert rows[down].last_error == "webhook: ConnectError"
    assert rows[tg].last_error == "telegram: HTTP 502"
    assert rows[up].status == rows[mail].status == "sent"
    assert len(receivers.at("/up")) == 1

    # Email: a real SMTP conversation with the alert in the body.
    [(rcpt, msg)] = mailbox.messages
    assert rcpt == ["bawaslu.jambi@example.org"]
    assert msg["Subject"] == "[Waspada] Lonjakan volume di Kabupaten Tanjung Jabung Timur"
    assert "Politik uang" in msg.get_payload() and "WIB" in msg.get_payload()

    # The Bot API recovers: the retry goes through and the token stays out of the errors.
    assert deliver_pending(alert_rt, FAST, now=utcnow() + timedelta(minutes=2)).sent == 1
    assert [c.body["chat_id"] for c in receivers.at("telegram")] == ["-1001500700"] * 2
    rows = _deliveries(alert_rt)
    assert rows[tg].status == "sent" and rows[down].status == "pending"
    assert all(BOT_TOKEN not in (r.last_error or "") for r in rows.values())


def test_hanging_receiver_times_out_and_is_retried_later(
    alert_rt: Runtime, receivers: Receivers
) -> None:
    release = threading.Event()
    hung = HTTPServer(host="127.0.0.1", port=0, threaded=True)

    def stall(req: Request) -> Response:
        release.wait(10)  # answers only once the test lets it
        return Response("late")

    hung.expect_request("/slow", method="POST").respond_with_handler(stall)
    hung.start()
    try:
        receivers.webhook("/up", SECRET_15)
        now = alert_now()
        with alert_rt.session() as s:
            load(s)
            slow = _subscribe(s, "webhook", hung.url_for("/slow"), SECRET_15)
            up = _subscribe(s, "webhook", receivers.url("/up"), SECRET_15)
        _raise_burst(alert_rt, now)
        policy = DeliveryPolicy(max_attempts=3, base=timedelta(minutes=1), timeout=0.5)
        result = deliver_pending(alert_rt, policy, now=now)
        assert (result.sent, result.retried) == (1, 1)
        rows = _deliveries(alert_rt)
        assert rows[slow].last_error == "webhook: ReadTimeout" and rows[up].status == "sent"
        release.set()
        later = deliver_pending(alert_rt, policy, now=utcnow() + timedelta(minutes=2))
        assert later.sent == 1 and _deliveries(alert_rt)[slow].status == "sent"
    finally:
        release.set()
        hung.clear()
        hung.stop()


def test_receivers_asking_to_wait_are_given_at_least_that_long(
    alert_rt: Runtime, receivers: Receivers
) -> None:
    receivers.telegram(statuses=[429])
    receivers.server.expect_request("/busy", method="POST").respond_with_response(
        Response("busy", status=503, headers={"Retry-After": "120"})
    )
    now = alert_now()
    with alert_rt.session() as s:
        load(s)
        tg = _subscribe(s, "telegram", "-1001500700")
        busy = _subscribe(s, "webhook", receivers.url("/busy"), SECRET_15)
    _raise_burst(alert_rt, now)
    assert deliver_pending(alert_rt, FAST, now=now).retried == 2
    rows = _deliveries(alert_rt)
    assert rows[tg].last_error == "telegram: HTTP 429"
    # Backoff alone would be one minute; the receivers asked for 600 s and 120 s.
    assert timedelta(seconds=540) < rows[tg].next_attempt_at - utcnow() <= timedelta(seconds=600)
    assert timedelta(seconds=90) < rows[busy].next_attempt_at - utcnow() <= timedelta(seconds=120)
    assert deliver_pending(alert_rt, FAST, now=utcnow() + timedelta(minutes=3)).sent == 0
    assert deliver_pending(alert_rt, FAST, now=utcnow() + timedelta(minutes=11)).sent == 1


def test_policy_refuses_a_lease_shorter_than_a_batch() -> None:
    with pytest.raises(ValueError, match="worst-case batch time"):
        DeliveryPolicy(batch=200, workers=2, timeout=5.0, lease=timedelta(minutes=2))
    with pytest.raises(ValueError, match="at least 1"):
        DeliveryPolicy(workers=0)


def test_missing_channel_settings_are_a_retryable_error_not_a_crash(
    rt: Runtime, receivers: Receivers
) -> None:
    now = alert_now()
    with rt.session() as s:
        load(s)
        tg = _subscribe(s, "telegram", "-1001500700")
        mail = _subscribe(s, "email", "a@example.org")
    _raise_burst(rt, now)
    assert deliver_pending(rt, FAST, now=now).retried == 2
    rows = _deliveries(rt)
    assert rows[tg].last_error == "WASPADA_TELEGRAM_BOT_TOKEN is not set"
    assert rows[mail].last_error == "WASPADA_SMTP_URL is not set"


def test_webhook_without_secret_is_refused_unsigned(
    alert_rt: Runtime, receivers: Receivers
) -> None:
    msg = Message(payload={"a": 1}, text="t", subject="s")
    with pytest.raises(DeliveryError, match="no signing secret"):
        send_webhook(receivers.url("/hook"), None, msg, alert_rt.settings)
    assert receivers.calls == []


def test_expired_lease_returns_the_row_to_the_queue(
    alert_rt: Runtime, receivers: Receivers
) -> None:
    receivers.webhook("/hook", SECRET_15)
    now = alert_now()
    with alert_rt.session() as s:
        load(s)
        _subscribe(s, "webhook", receivers.url("/hook"), SECRET_15)
    _raise_burst(alert_rt, now)
    # A worker claims the row and dies before sending.
    with alert_rt.session() as s:
        claimed = repository.claim_due(s, now, now + FAST.lease, 10)
    assert len(claimed) == 1
    assert deliver_pending(alert_rt, FAST, now=now).sent == 0  # leased: not sent twice
    assert deliver_pending(alert_rt, FAST, now=now + FAST.lease).sent == 1
    assert len(receivers.at("/hook")) == 1


# --- who gets what ---------------------------------------------------------------------------


def test_key_scope_revocation_and_filters_apply_at_fan_out(db: Session) -> None:
    load(db)
    now = alert_now()
    key, _ = keys.create_key(db, "liaison-15", "liaison", ["15"])
    owner = principal_of(key)

    def sub(**kw: object) -> int:
        req = subscriptions.SubscriptionRequest(
            name="s",
            channel="telegram",
            target="-100123",
            region_codes=("15",),
            **kw,  # type: ignore[arg-type]
        )
        return subscriptions.create(db, owner, req, policy=LOCAL)[0].id

    wanted = sub()
    sub(labels=("hoax",))
    sub(rules=("reviewed_item",))
    # A liaison moved to another province after subscribing stops hearing about Jambi.
    moved_key, _ = keys.create_key(db, "liaison-15b", "liaison", ["15"])
    moved = subscriptions.create(
        db,
        principal_of(moved_key),
        subscriptions.SubscriptionRequest(
            name="m", channel="telegram", target="-100125", region_codes=("15",)
        ),
        policy=LOCAL,
    )[0]
    moved_key.regions = ["31"]
    # A revoked key's subscriptions go quiet.
    revoked_key, _ = keys.create_key(db, "liaison-15c", "liaison", ["15"])
    gone = subscriptions.create(
        db,
        principal_of(revoked_key),
        subscriptions.SubscriptionRequest(
            name="r", channel="telegram", target="-100124", region_codes=("15",)
        ),
        policy=LOCAL,
    )[0]
    keys.revoke_key(db, revoked_key.id)
    db.flush()
    burst(db, now, n=8)
    result = service.evaluate(db, now)
    assert result.raised == 1
    alert_id = repository.list_alerts(
        db, SYSTEM, status=None, region=None, rule=None, limit=1, before_id=None
    )[0].id
    queued = {d.subscription_id for d in repository.deliveries_of(db, alert_id)}
    assert queued == {wanted}
    assert moved.id not in queued and gone.id not in queued


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"channel": "sms"}, "channel must be one of"),
        ({"target": "ftp://x.example/hook"}, "http(s) URL"),
        ({"secret": "short"}, "at least 16"),
        ({"region_codes": ("99.99",)}, "unknown region code"),
        ({"region_codes": ("31",)}, "outside this key's scope"),
        ({"region_codes": ()}, "must name the regions"),
        ({"labels": ("gossip",)}, "unknown label"),
        ({"rules": ("every_post",)}, "unknown rule"),
        ({"name": "  "}, "name must be"),
        ({"channel": "telegram", "target": "not a chat"}, "numeric chat id"),
        ({"channel": "email", "target": "nobody"}, "must be an address"),
        ({"target": "http://hooks.example.org/x"}, "must use https"),
        ({"target": "https://127.0.0.1:8080/x"}, "public address"),
        ({"target": "https://10.1.2.3/x"}, "public address"),
        ({"target": "https://169.254.169.254/latest/meta-data"}, "public address"),
        ({"target": "https://[::1]/x"}, "public address"),
        ({"target": "https://localhost/x"}, "public address"),
        ({"target": "https://metadata/x"}, "public address"),
        ({"target": "https://db.internal/x"}, "public address"),
    ],
)
def test_bad_subscriptions_are_refused_clearly(
    db: Session, kw: dict[str, object], message: str
) -> None:
    key, _ = keys.create_key(db, "liaison-15", "liaison", ["15"])
    base: dict[str, object] = {
        "name": "n",
        "channel": "webhook",
        "target": "https://hooks.example.org/x",
        "region_codes": ("15",),
    }
    req = subscriptions.SubscriptionRequest(**{**base, **kw})  # type: ignore[arg-type]
    with pytest.raises(subscriptions.SubscriptionError, match=re.escape(message)):
        subscriptions.create(db, principal_of(key), req, policy=OutboundPolicy())
    assert repository.subscriptions_for(db, SYSTEM) == []


def test_internal_receivers_need_the_allow_list_even_for_admins(db: Session) -> None:
    key, _ = keys.create_key(db, "ops", "admin")
    liaison_key, _ = keys.create_key(db, "liaison-15", "liaison", ["15"])
    internal = subscriptions.SubscriptionRequest(
        name="n", channel="webhook", target="http://10.0.0.7:9000/hook", region_codes=("15",)
    )
    strict = OutboundPolicy()
    # Issue 13: an admin key or the command line no longer reaches internal hosts by itself.
    for owner, trusted in ((principal_of(key), False), (principal_of(liaison_key), True)):
        with pytest.raises(subscriptions.SubscriptionError, match="WASPADA_OUTBOUND_ALLOW"):
            subscriptions.create(db, owner, internal, trusted=trusted, policy=strict)
    allowed = OutboundPolicy.allowing("10.0.0.7:9000")
    assert subscriptions.create(db, principal_of(key), internal, policy=allowed)[0].id
    assert subscriptions.create(
        db, principal_of(liaison_key), internal, trusted=True, policy=allowed
    )[0].id
    public = subscriptions.SubscriptionRequest(
        name="n", channel="webhook", target="https://hooks.example.org/x", region_codes=("15",)
    )
    assert subscriptions.create(db, principal_of(liaison_key), public, policy=strict)[0].id


def test_generated_webhook_secret_is_shown_once_and_never_described(db: Session) -> None:
    req = subscriptions.SubscriptionRequest(
        name="n", channel="webhook", target="https://hooks.example.org/x"
    )
    sub, generated = subscriptions.create(db, SYSTEM, req, policy=OutboundPolicy())
    assert generated and len(generated) >= 32 and sub.secret == generated
    described = subscriptions.describe(sub)
    assert described["has_secret"] is True and generated not in str(described)


def test_signature_covers_body_and_timestamp_and_refuses_replays() -> None:
    body = b'{"rule": "volume_spike"}'
    sig = sign(SECRET_15, "1700000000", body)
    assert sig.startswith("sha256=") and len(sig) == 7 + 64
    assert verify(SECRET_15, "1700000000", body, sig)
    assert not verify(SECRET_15, "1700000000", body + b" ", sig)
    assert not verify(SECRET_15, "1700000001", body, sig)
    assert not verify("another-secret-0123456789", "1700000000", body, sig)
    assert verify(SECRET_15, "1700000000", body, sig, tolerance=300, now=1700000200)
    assert not verify(SECRET_15, "1700000000", body, sig, tolerance=300, now=1700000400)
    assert not verify(SECRET_15, "yesterday", body, sig, tolerance=300)


@pytest.mark.parametrize(
    ("status", "headers", "body", "expected"),
    [
        (429, {"Retry-After": "30"}, b"", 30.0),
        (503, {"Retry-After": "99999999"}, b"", 3600.0),
        (429, {}, b'{"ok": false, "parameters": {"retry_after": 7}}', 7.0),
        (429, {}, b'{"parameters": {"retry_after": -5}}', None),
        (429, {}, b'{"parameters": {"retry_after": "soon"}}', None),
        (429, {"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}, b"not json", None),
        (500, {"Retry-After": "30"}, b"", None),
    ],
)
def test_retry_after_is_read_defensively(
    status: int, headers: dict[str, str], body: bytes, expected: float | None
) -> None:
    resp = httpx.Response(status, headers=headers, content=body)
    assert _retry_after(resp) == expected
