"""Queries of the brief that the region figures do not already answer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from monitor.alerts.models import Alert
from monitor.alerts.repository import visible_alerts
from monitor.desk.brief.models import BriefSend
from monitor.desk.figures_repository import POST_TIME
from monitor.keys.principal import Principal
from monitor.posts.models import Post, PostRegion
from monitor.posts.scope import region_match, visible_posts
from monitor.predictions.models import Prediction


def _in_region(code: str) -> Any:
    sub = select(PostRegion.post_id).where(region_match(PostRegion.region_code, (code,)))
    return Post.id.in_(sub)


def cluster_examples(
    session: Session, principal: Principal, code: str, cluster_ids: Sequence[int]
) -> dict[int, str]:
    """One visible copy's text per cluster, from the region (the narrative in its words)."""
    if not cluster_ids:
        return {}
    stmt = (
        select(Post.cluster_id, Post.title, Post.text)
        .where(Post.cluster_id.in_(cluster_ids), _in_region(code), visible_posts(principal))
        .order_by(Post.cluster_id, Post.id)
    )
    out: dict[int, str] = {}
    for cid, title, text in session.execute(stmt):
        out.setdefault(int(cid), (title or text or "").strip())
    return out


def debunk_matches(
    session: Session, principal: Principal, code: str, since: datetime, until: datetime
) -> Sequence[Row[Any]]:
    """(post id, explanation) of predictions of the region's posts in the period."""
    stmt = (
        select(Prediction.post_id, Prediction.explanation)
        .join(Post, Post.id == Prediction.post_id)
        .where(Prediction.model_version == Post.model_version)
        .where(_in_region(code), visible_posts(principal))
        .where(since <= POST_TIME, until > POST_TIME)
    )
    return session.execute(stmt).all()


def open_alerts(
    session: Session,
    principal: Principal,
    code: str,
    since: datetime,
    until: datetime,
    limit: int = 50,
) -> list[Alert]:
    """Unresolved alerts about the region (or below it) raised for the period, if visible."""
    stmt = (
        select(Alert)
        .where(visible_alerts(principal), Alert.status != "resolved")
        .where(Alert.window_end > since, Alert.window_start < until)
        .where(Alert.region_code.is_not(None))
        .where(region_match(Alert.region_code, (code,)))  # type: ignore[arg-type]
        .order_by(Alert.window_start.desc(), Alert.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


# --- Scheduled brief e-mails (one row per subscription, region and period) -------------


def sends_by_key(session: Session, keys: Sequence[str]) -> dict[str, BriefSend]:
    """Return the existing send rows for some dedup keys."""
    if not keys:
        return {}
    rows = session.scalars(select(BriefSend).where(BriefSend.dedup_key.in_(keys)))
    return {r.dedup_key: r for r in rows}


def insert_send(session: Session, row: BriefSend) -> None:
    """Insert a claim; a second claim on the same key fails with IntegrityError at flush."""
    session.add(row)
    session.flush()


def retake_send(
    session: Session, key: str, attempts: int, now: datetime, stale_before: datetime | None = None
) -> bool:
    """Claim a failed (or, with stale_before, an abandoned) send again (compare and swap)."""
    # The attempts count is the version: a second scheduler reading the same row loses.
    status = (
        BriefSend.status == "failed"
        if stale_before is None
        else (BriefSend.status == "sending") & (BriefSend.claimed_at <= stale_before)
    )
    result = session.execute(
        update(BriefSend)
        .where(BriefSend.dedup_key == key, status, BriefSend.attempts == attempts)
        .values(status="sending", attempts=attempts + 1, claimed_at=now, last_error=None)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def finish_send(
    session: Session, key: str, status: str, error: str | None, now: datetime | None
) -> None:
    """Record how a claimed send ended (sent, or failed with a short reason)."""
    session.execute(
        update(BriefSend)
        .where(BriefSend.dedup_key == key)
        .values(status=status, last_error=error, sent_at=now)
    )
