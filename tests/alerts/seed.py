"""Builders for alert tests: a money-politics burst in Tanjung Jabung Timur and two liaisons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from monitor.alerts import subscriptions
from monitor.alerts.rules import window_start
from monitor.core.base import utcnow
from monitor.keys import service as keys
from monitor.keys.principal import Principal
from monitor.keys.service import principal_of
from tests.regions.seed import load, post

BURST_TEXTS = (
    "Warga Tanjab Timur dibagi amplop Rp100 ribu agar coblos nomor 2",
    "Serangan fajar di Kab. Tanjung Jabung Timur, sembako dibagikan tim sukses",
    "Bawaslu Tanjung Jabung Timur terima laporan politik uang di Muara Sabak",
)


def alert_now() -> datetime:
    """A fixed 'now' 50 minutes into the current hour window (posts fit before it)."""
    return window_start(utcnow(), timedelta(hours=1)) + timedelta(minutes=50)


def burst(session: Session, now: datetime, n: int = 15, label: str = "money_politics") -> list[int]:
    """Store `n` flagged posts about Tanjung Jabung Timur inside the current window."""
    ids = []
    for i in range(n):
        text = f"{BURST_TEXTS[i % len(BURST_TEXTS)]} (laporan {i})"
        at = now - timedelta(minutes=1 + (i * 37) % 45)
        ids.append(post(session, text, flagged=True, labels=[label], at=at).id)
    return ids


@dataclass
class Liaison:
    """A liaison key and the subscriptions made with it."""

    principal: Principal
    plain: str
    webhook_id: int
    telegram_id: int


def liaison(session: Session, province: str, hook_url: str, secret: str, chat: str) -> Liaison:
    """A liaison for one province with a signed webhook and a Telegram subscription."""
    key, plain = keys.create_key(session, f"liaison-{province}", "liaison", [province])
    owner = principal_of(key)
    hook, _ = subscriptions.create(
        session,
        owner,
        subscriptions.SubscriptionRequest(
            name=f"Bawaslu {province} webhook",
            channel="webhook",
            target=hook_url,
            region_codes=(province,),
            secret=secret,
        ),
    )
    tg, _ = subscriptions.create(
        session,
        owner,
        subscriptions.SubscriptionRequest(
            name=f"Bawaslu {province} Telegram",
            channel="telegram",
            target=chat,
            region_codes=(province,),
        ),
    )
    return Liaison(owner, plain, hook.id, tg.id)


__all__ = ["alert_now", "burst", "liaison", "load", "post"]
