"""Builders for alert tests: a money-politics burst in Tanjung Jabung Timur and two liaisons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from monitor.alerts import repository, service, subscriptions
from monitor.alerts.rules import window_start
from monitor.core.base import utcnow
from monitor.keys import service as keys
from monitor.keys.principal import SYSTEM, Principal
from monitor.keys.service import principal_of
from monitor.posts.models import Post
from monitor.posts.regiontags import tag_posts
from tests.alerts.conftest import LOCAL
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
    posts = []
    for i in range(n):
        text = f"{BURST_TEXTS[i % len(BURST_TEXTS)]} (laporan {i})"
        at = now - timedelta(minutes=1 + (i * 37) % 45)
        posts.append(post(session, text, flagged=True, labels=[label], at=at, tag=False))
    tag_posts(session, posts)  # one page, as arrival tags it
    return [p.id for p in posts]


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
        trusted=True,  # as `waspada alerts subscribe --key-id` does: receivers on 127.0.0.1
        policy=LOCAL,
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
        policy=LOCAL,
    )
    return Liaison(owner, plain, hook.id, tg.id)


def past_now() -> datetime:
    """The last minute of the previous hour window: a burst before it is already in the past."""
    return window_start(utcnow(), timedelta(hours=1)) - timedelta(minutes=1)


@dataclass
class HotJambi:
    """A money-politics burst in 15.07 with its alert raised, quiet Jakarta, and keys."""

    burst_ids: list[int]
    jakarta_ids: list[int]
    alert_id: int
    keys: dict[str, str]


def hot_jambi(session: Session, confirmed: int = 0) -> HotJambi:
    """Seed the Done-when world in the past hour; optionally confirm some burst posts."""
    load(session)
    now = past_now()
    ids = burst(session, now)
    quiet = [
        post(
            session,
            f"Kampanye damai di Jaksel hari ke-{i}",
            at=now - timedelta(minutes=i + 1),
            tag=False,
        )
        for i in range(25)
    ]
    quiet.append(
        post(
            session,
            "Isu amplop di Jaksel",
            flagged=True,
            labels=["money_politics"],
            at=now - timedelta(minutes=3),
            tag=False,
        )
    )
    tag_posts(session, quiet)
    jakarta = [p.id for p in quiet]
    for pid in ids[:confirmed]:
        session.get(Post, pid).review_status = "confirmed"  # type: ignore[union-attr]
    result = service.evaluate(session, now)
    assert result.raised == 1, result
    alert = repository.list_alerts(
        session, SYSTEM, status=None, region=None, rule=None, limit=1, before_id=None
    )[0]
    plain = {}
    for name, role, regions in [
        ("admin", "admin", []),
        ("liaison-15", "liaison", ["15"]),
        ("liaison-15.07", "liaison", ["15.07"]),
        ("liaison-31", "liaison", ["31"]),
    ]:
        plain[name] = keys.create_key(session, name, role, regions)[1]
    session.flush()
    return HotJambi(ids, jakarta, alert.id, plain)


def auth(plain: str) -> dict[str, str]:
    """The Authorization header for a key."""
    return {"Authorization": f"Bearer {plain}"}


__all__ = ["alert_now", "auth", "burst", "hot_jambi", "liaison", "load", "past_now", "post"]
