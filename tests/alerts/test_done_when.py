"""Issue 7 'Done when': a money-politics burst in 15.07 reaches the Jambi liaison only, once."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from monitor.alerts import repository, service
from monitor.alerts.delivery import deliver_pending
from monitor.core.logging import KeyValueFormatter
from monitor.core.runtime import Runtime
from tests.alerts.conftest import BOT_TOKEN, SECRET_15, SECRET_31, Receivers
from tests.alerts.seed import alert_now, burst, liaison, load, post

# One regions load per session (tests/conftest.py::regions_engine), not one per test.
pytestmark = pytest.mark.regions

CHAT_15 = "-1001500700"
CHAT_31 = "-1003100100"


def test_burst_fires_one_signed_webhook_and_one_telegram_for_the_province_liaison(
    alert_rt: Runtime, receivers: Receivers, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    receivers.webhook("/hook/15", SECRET_15)
    receivers.webhook("/hook/31", SECRET_31)
    receivers.telegram()
    now = alert_now()
    with alert_rt.session() as s:
        load(s)
        jambi = liaison(s, "15", receivers.url("/hook/15"), SECRET_15, CHAT_15)
        liaison(s, "31", receivers.url("/hook/31"), SECRET_31, CHAT_31)
        # Background: a quiet week in Jambi, a little noise in Jakarta this hour.
        for day in (2, 4, 6):
            post(
                s,
                "Amplop di Tanjab Timur?",
                flagged=True,
                labels=["money_politics"],
                at=now - timedelta(days=day),
            )
        for i in range(3):
            post(
                s,
                f"Isu amplop di Jaksel {i}",
                flagged=True,
                labels=["money_politics"],
                at=now - timedelta(minutes=5 + i),
            )
        ids = burst(s, now)

    with alert_rt.session() as s:
        result = service.evaluate(s, now)
    assert (result.raised, result.deliveries) == (1, 2)
    sent = deliver_pending(alert_rt, now=now)
    assert (sent.sent, sent.retried, sent.dead) == (1 + 1, 0, 0)

    hooks = receivers.at("/hook/15")
    assert len(hooks) == 1 and hooks[0].signature_ok is True
    body = hooks[0].body
    assert (body["rule"], body["region_code"], body["label"]) == (
        "volume_spike",
        "15.07",
        "money_politics",
    )
    assert body["details"]["count"] == 15 and set(body["details"]["post_ids"]) == set(ids)
    tg = receivers.at("telegram")
    assert [c.body["chat_id"] for c in tg] == [CHAT_15]
    # People read names and Indonesian labels, not codes.
    text = tg[0].body["text"]
    assert "Tanjung Jabung Timur" in text and "Politik uang" in text, text
    assert "15.07" not in text and "money_politics" not in text
    assert (
        "15 dikonfirmasi peninjau" not in text and "0 dikonfirmasi peninjau, 15 dari model" in text
    )
    assert receivers.at("/hook/31") == []

    # A repeat run in the same window merges into the alert and sends nothing new.
    with alert_rt.session() as s:
        again = service.evaluate(s, now + timedelta(minutes=5))
    assert (again.raised, again.merged, again.deliveries) == (0, 1, 0)
    assert deliver_pending(alert_rt, now=now + timedelta(minutes=5)).sent == 0
    assert len(receivers.calls) == 2

    # Digest: more posts in the window update the one alert instead of sending more.
    with alert_rt.session() as s:
        more = burst(s, now + timedelta(minutes=5), n=4)
        digest = service.evaluate(s, now + timedelta(minutes=6))
        alerts = repository.list_alerts(
            s, jambi.principal, status=None, region=None, rule=None, limit=10, before_id=None
        )
    assert (digest.raised, digest.deliveries) == (0, 0)
    assert len(alerts) == 1 and alerts[0].payload["count"] == 19
    assert set(alerts[0].payload["post_ids"]) == set(ids) | set(more)
    assert deliver_pending(alert_rt, now=now + timedelta(minutes=6)).sent == 0
    assert len(receivers.calls) == 2

    # Only the Jambi liaison's two subscriptions were queued; Jakarta's never were.
    with alert_rt.session() as s:
        queued = {d.subscription_id for d in repository.deliveries_of(s, alerts[0].id)}
    assert queued == {jambi.webhook_id, jambi.telegram_id}

    # Neither the bot token nor the webhook secrets reach a log line (raw or formatted).
    # werkzeug's lines are the fake Bot API's own access log (Telegram's side, not ours).
    records = [r for r in caplog.records if r.name != "werkzeug"]
    raw = "\n".join(r.getMessage() + repr(r.__dict__) for r in records)
    formatted = "\n".join(KeyValueFormatter().format(r) for r in records)
    assert "sendMessage" in raw  # httpx did log the request, with the token masked
    for secret in (BOT_TOKEN, BOT_TOKEN.split(":")[1], SECRET_15, SECRET_31):
        assert secret not in raw and secret not in formatted
