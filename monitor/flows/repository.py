"""The queries the flows run across domains (priority parts, refresh candidates)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ScalarSelect, func, or_, select, update
from sqlalchemy.orm import Session

from monitor.clusters.models import Cluster
from monitor.core.idlist import int_in
from monitor.posts.models import Post, PostRegion
from monitor.predictions.models import Prediction
from monitor.regions.models import IkpScore

# Why 5,000: keeps every IN list under SQLite's parameter limit with room to spare.
CHUNK = 5000


def _chunks(values: Sequence[int]) -> list[Sequence[int]]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


def best_score_column() -> ScalarSelect[Any]:
    """Return a post's best flagged score of its current model, as a correlated subquery."""
    return (
        select(func.max(Prediction.score))
        .where(
            Prediction.post_id == Post.id,
            Prediction.flagged.is_(True),
            Prediction.model_version == Post.model_version,
        )
        .scalar_subquery()
    )


def region_risk_column() -> ScalarSelect[Any]:
    """Return the highest imported IKP score (0-100) of a post's regions, correlated (or NULL)."""
    return (
        select(func.max(IkpScore.score))
        .join(PostRegion, PostRegion.region_code == IkpScore.region_code)
        .where(PostRegion.post_id == Post.id)
        .scalar_subquery()
    )


def scored_parts(session: Session, post_ids: Sequence[int]) -> list[Any]:
    """Return (id, best flagged score, seen at, cluster id) of these posts."""
    best = best_score_column()
    rows: list[Any] = []
    for part in _chunks(post_ids):
        stmt = select(
            Post.id,
            Post.flagged,
            best,
            func.coalesce(Post.published_at, Post.fetched_at),
            Post.cluster_id,
            Post.priority,
        ).where(Post.id.in_(part))
        rows.extend(session.execute(stmt).all())
    return rows


def clusters(session: Session, cluster_ids: Sequence[int]) -> dict[int, Cluster]:
    """Return these clusters by id."""
    out: dict[int, Cluster] = {}
    for part in _chunks(cluster_ids):
        out.update({c.id: c for c in session.scalars(select(Cluster).where(Cluster.id.in_(part)))})
    return out


def region_risk(session: Session, post_ids: Sequence[int]) -> dict[int, float]:
    """Return the highest imported IKP score (0-100) among each post's regions."""
    out: dict[int, float] = {}
    if session.scalar(select(func.count()).select_from(IkpScore)) == 0:
        return out  # most installs never import IKP: skip the join
    for part in _chunks(post_ids):
        stmt = (
            select(PostRegion.post_id, func.max(IkpScore.score))
            .join(IkpScore, IkpScore.region_code == PostRegion.region_code)
            .where(PostRegion.post_id.in_(part))
            .group_by(PostRegion.post_id)
        )
        out.update({int(p): float(s) for p, s in session.execute(stmt)})
    return out


def flagged_members(session: Session, cluster_ids: Sequence[int]) -> list[int]:
    """Return the flagged posts of these clusters."""
    out: list[int] = []
    for part in _chunks(cluster_ids):
        # One array parameter: a fixed statement text (an expanding IN re-parsed per page).
        listed = int_in(Post.cluster_id, part, session.get_bind().dialect.name)
        stmt = select(Post.id).where(listed, Post.flagged.is_(True))
        out.extend(int(i) for i in session.scalars(stmt))
    return out


def refresh_candidates(session: Session, recent: datetime, active: datetime) -> list[int]:
    """Flagged unreviewed posts whose recency or cluster growth may have changed."""
    hot = select(Cluster.id).where(active <= Cluster.last_seen, Cluster.size > 1)
    stmt = select(Post.id).where(
        Post.flagged.is_(True),
        or_(recent <= Post.fetched_at, Post.cluster_id.in_(hot)),
    )
    return [int(i) for i in session.scalars(stmt)]


def write_priorities(session: Session, values: Sequence[tuple[int, float]]) -> None:
    """Store new priorities (one executemany, in id order)."""
    if values:
        # Why id order: scoring workers, arrivals and the refresh job update overlapping
        # posts at once; taking row locks in one order keeps them from deadlocking.
        rows = [{"id": i, "priority": p} for i, p in sorted(values)]
        session.execute(update(Post), rows)
