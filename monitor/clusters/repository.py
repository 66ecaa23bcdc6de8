"""Every query on `clusters` and the cluster statistics over `posts`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import distinct, func, select, update
from sqlalchemy.orm import Session

from monitor.clusters.models import Cluster
from monitor.posts.models import Post, PostRegion
from monitor.posts.scope import region_match
from monitor.predictions.models import Prediction

# When a copy was seen: its publication time when the platform gives one, else arrival.
SEEN_AT = func.coalesce(Post.published_at, Post.fetched_at)


def count_and_max_id(session: Session) -> tuple[int, int]:
    """Return how many clusters exist and the largest id (0 when empty)."""
    count, max_id = session.execute(select(func.count(Cluster.id), func.max(Cluster.id))).one()
    return int(count or 0), int(max_id or 0)


def signatures_after(
    session: Session, last_id: int, limit: int = 20_000
) -> Sequence[tuple[int, object]]:
    """Return (id, signature) of clusters above last_id, oldest first."""
    stmt = (
        select(Cluster.id, Cluster.signature)
        .where(Cluster.id > last_id)
        .order_by(Cluster.id)
        .limit(limit)
    )
    return [(int(i), sig) for i, sig in session.execute(stmt)]


def get(session: Session, cluster_id: int) -> Cluster | None:
    """Return one cluster."""
    return session.get(Cluster, cluster_id)


def member_stats(
    session: Session, cluster_ids: Sequence[int]
) -> dict[int, tuple[int, datetime | None, datetime | None, int, int]]:
    """Return per cluster: size, first and last seen, distinct sources and distinct accounts."""
    account = Post.platform + ":" + Post.author
    stmt = (
        select(
            Post.cluster_id,
            func.count(Post.id),
            func.min(SEEN_AT),
            func.max(SEEN_AT),
            func.count(distinct(Post.source_id)),
            func.count(distinct(account)),
        )
        .where(Post.cluster_id.in_(cluster_ids))
        .group_by(Post.cluster_id)
    )
    return {int(r[0]): (int(r[1]), r[2], r[3], int(r[4]), int(r[5])) for r in session.execute(stmt)}


def seen_times(
    session: Session, cluster_ids: Sequence[int], since: datetime
) -> dict[int, list[datetime]]:
    """Return when each copy since `since` was seen, per cluster."""
    stmt = select(Post.cluster_id, SEEN_AT).where(
        Post.cluster_id.in_(cluster_ids), since <= SEEN_AT
    )
    out: dict[int, list[datetime]] = {}
    for cluster_id, seen in session.execute(stmt):
        out.setdefault(int(cluster_id), []).append(seen)
    return out


def region_counts(session: Session, cluster_ids: Sequence[int]) -> dict[int, int]:
    """Return how many distinct regions each cluster's posts are about."""
    stmt = (
        select(Post.cluster_id, func.count(distinct(PostRegion.region_code)))
        .join(Post, Post.id == PostRegion.post_id)
        .where(Post.cluster_id.in_(cluster_ids))
        .group_by(Post.cluster_id)
    )
    return {int(c): int(n) for c, n in session.execute(stmt)}


def active_since(session: Session, since: datetime) -> Sequence[Cluster]:
    """Return clusters with a copy seen at or after `since` and more than one copy."""
    stmt = select(Cluster).where(since <= Cluster.last_seen, Cluster.size > 1)
    return session.scalars(stmt).all()


def with_flagged_members(session: Session, cluster_ids: Sequence[int]) -> set[int]:
    """Return which of these clusters have at least one flagged post."""
    found: set[int] = set()
    for start in range(0, len(cluster_ids), 500):
        chunk = cluster_ids[start : start + 500]
        stmt = select(Post.cluster_id).where(Post.cluster_id.in_(chunk), Post.flagged.is_(True))
        found.update(int(c) for (c,) in session.execute(stmt.distinct()))
    return found


def set_member_priority(session: Session, cluster_id: int, boost: float) -> int:
    """Set each flagged member's priority to its best flagged score plus `boost`.

    The score part is read back from the post's own predictions (same model version), so
    repeated refreshes never compound the boost.
    """
    best = (
        select(func.coalesce(func.max(Prediction.score), 0.0))
        .where(
            Prediction.post_id == Post.id,
            Prediction.flagged.is_(True),
            Prediction.model_version == Post.model_version,
        )
        .scalar_subquery()
    )
    stmt = (
        update(Post)
        .where(Post.cluster_id == cluster_id, Post.flagged.is_(True))
        .values(priority=best + boost)
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]


def scoped_members(
    session: Session, cluster_ids: Sequence[int], codes: tuple[str, ...]
) -> dict[int, tuple[list[datetime], set[str]]]:
    """Per cluster, when each copy about `codes` was seen and which of those regions it names.

    The basis of every figure shown to a region-limited reader: only copies tagged with a
    region inside `codes` count, and only their tags inside `codes` count as regions.
    """
    out: dict[int, tuple[list[datetime], set[str]]] = {}
    if not cluster_ids or not codes:
        return out
    seen: dict[int, set[int]] = {}
    stmt = (
        select(Post.cluster_id, Post.id, SEEN_AT, PostRegion.region_code)
        .join(PostRegion, PostRegion.post_id == Post.id)
        .where(Post.cluster_id.in_(cluster_ids), region_match(PostRegion.region_code, codes))
    )
    for cluster_id, post_id, at, code in session.execute(stmt):
        times, regions = out.setdefault(int(cluster_id), ([], set()))
        regions.add(str(code))
        if post_id not in seen.setdefault(int(cluster_id), set()):
            seen[int(cluster_id)].add(post_id)
            times.append(at)
    return out
