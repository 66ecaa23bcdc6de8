"""Clusters as reviewers and liaisons see them: only clusters and counts within scope."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from monitor.clusters.models import Cluster
from monitor.desk import detail
from monitor.desk.views import ItemSummary
from monitor.keys.principal import Principal
from monitor.posts.models import Post
from monitor.posts.scope import visible_posts


class ClusterOut(BaseModel):
    """A narrative cluster; region-limited callers get counts of their own posts only."""

    id: int
    size: int
    first_seen: datetime
    last_seen: datetime
    growth_rate: float | None
    n_sources: int | None
    n_accounts: int | None
    n_regions: int | None
    decision: str | None
    representative_post_id: int | None


class ClusterPage(BaseModel):
    """One page of clusters, busiest growth first."""

    clusters: list[ClusterOut]
    next_cursor: int | None


class ClusterDetail(BaseModel):
    """A cluster and the copies the caller may see."""

    cluster: ClusterOut
    items: list[ItemSummary]


def _in_scope(principal: Principal) -> ColumnElement[bool]:
    return select(Post.id).where(Post.cluster_id == Cluster.id, visible_posts(principal)).exists()


def _visible_sizes(session: Session, principal: Principal, ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(Post.cluster_id, func.count())
        .where(Post.cluster_id.in_(ids), visible_posts(principal))
        .group_by(Post.cluster_id)
    )
    return {int(c): int(n) for c, n in rows}


def _out(c: Cluster, principal: Principal, sizes: dict[int, int]) -> ClusterOut:
    limited = principal.region_limited
    # Why: totals across regions would tell a liaison how much exists elsewhere.
    return ClusterOut(
        id=c.id,
        size=sizes.get(c.id, 0) if limited else c.size,
        first_seen=c.first_seen,
        last_seen=c.last_seen,
        growth_rate=None if limited else c.growth_rate,
        n_sources=None if limited else c.n_sources,
        n_accounts=None if limited else c.n_accounts,
        n_regions=None if limited else c.n_regions,
        decision=c.decision,
        representative_post_id=None if limited else c.representative_post_id,
    )


def _base(principal: Principal) -> Select[tuple[Cluster]]:
    query = select(Cluster)
    if principal.region_limited:
        query = query.where(_in_scope(principal))
    return query


def list_clusters(
    session: Session, principal: Principal, cursor: int | None, limit: int
) -> ClusterPage:
    """Return clusters newest-active first, paged by id below `cursor`."""
    query = _base(principal).order_by(Cluster.id.desc()).limit(limit + 1)
    if cursor is not None:
        query = query.where(Cluster.id < cursor)
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    sizes = _visible_sizes(session, principal, [c.id for c in rows])
    return ClusterPage(
        clusters=[_out(c, principal, sizes) for c in rows],
        next_cursor=rows[-1].id if more and rows else None,
    )


def cluster_detail(
    session: Session, principal: Principal, cluster_id: int, limit: int = 100
) -> ClusterDetail | None:
    """Return one cluster with up to `limit` visible copies, or None (missing or out of scope)."""
    cluster = session.scalar(_base(principal).where(Cluster.id == cluster_id))
    if cluster is None:
        return None
    posts = list(
        session.scalars(
            select(Post)
            .where(Post.cluster_id == cluster_id, visible_posts(principal))
            .order_by(Post.id)
            .limit(limit)
        )
    )
    sizes = _visible_sizes(session, principal, [cluster_id])
    return ClusterDetail(
        cluster=_out(cluster, principal, sizes), items=detail.summaries(session, posts)
    )
