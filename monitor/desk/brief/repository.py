"""Queries of the brief that the region figures do not already answer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from monitor.alerts.models import Alert
from monitor.alerts.repository import visible_alerts
from monitor.keys.principal import Principal
from monitor.posts.models import Post, PostRegion
from monitor.posts.scope import region_match, visible_posts
from monitor.predictions.models import Prediction
from monitor.regions.repository import POST_TIME


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
