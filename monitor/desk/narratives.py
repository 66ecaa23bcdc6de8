"""The narrative-first queue: one row per cluster (its best copy on top), single posts alone.

Two queries per page, both over the same filters and region scope as the flat queue: one
GROUP BY over the matching posts (ordered by the group's best sort key, keyset-paged) and one
for the page's copies (a window function keeps at most MAX_COPIES per group). A post whose
cluster is NULL (clusters are created lazily, on the second copy) is a group of its own.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    and_,
    case,
    distinct,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import Session

from monitor.clusters import scoped
from monitor.clusters.models import Cluster
from monitor.core.base import UTCDateTime
from monitor.desk import queue
from monitor.keys.principal import Principal
from monitor.posts.models import Post

GROUPINGS: tuple[str, ...] = ("cluster", "none")
MAX_COPIES = 20  # copies listed under a cluster row; the count says how many match


@dataclass
class Narrative:
    """One queue row: a cluster's matching copies (best first) or a single post."""

    key: int  # the cluster id, or minus the post id for a post without a cluster
    sort_key: Any
    count: int
    n_sources: int
    first_seen: datetime
    last_seen: datetime
    copies: list[Post] = field(default_factory=list)
    cluster: Cluster | None = None
    growth_rate: float = 0.0  # copies per hour (within the caller's regions when limited)

    @property
    def cluster_id(self) -> int | None:
        """Return the cluster id, or None for a single post."""
        return self.key if self.key > 0 else None

    @property
    def top(self) -> Post:
        """Return the copy the row shows: the best by the queue's order."""
        return self.copies[0]


def group_key() -> ColumnElement[int]:
    """Return the grouping expression: the cluster id, or minus the post id when unclustered."""
    return case((Post.cluster_id.is_(None), -Post.id), else_=Post.cluster_id)


def _sort_column(ordering: queue.Ordering) -> Any:
    return ordering.column


def encode_cursor(ordering: queue.Ordering, narrative: Narrative) -> str:
    """Return an opaque cursor pointing just after a group."""
    value = narrative.sort_key
    raw = value.isoformat() if isinstance(value, datetime) else value
    payload = json.dumps({"s": ordering.name, "m": "cluster", "k": raw, "g": narrative.key})
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(ordering: queue.Ordering, cursor: str) -> tuple[Any, int]:
    """Return (sort key, group key) from a grouped cursor of the same sort, or raise QueryError."""
    try:
        if len(cursor) > 400:
            raise ValueError("too long")
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, dict) or raw.get("s") != ordering.name or raw.get("m") != "cluster":
            raise ValueError("other sort or grouping")
        key = raw["g"]
        if isinstance(key, bool) or not isinstance(key, int) or not 0 < abs(key) < 2**31:
            raise ValueError("bad group")
        value = ordering.parse_key(raw["k"])
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("not finite")
        return value, key
    except (ValueError, KeyError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise queue.QueryError("error.bad_group_cursor") from None


def page(
    session: Session,
    principal: Principal,
    filters: queue.ItemFilters,
    sort: str = "priority",
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[Narrative], str | None]:
    """Return one page of narratives and the cursor of the next page (None at the end)."""
    ordering = queue.queue_order(sort)
    limit = max(1, min(limit, queue.MAX_LIMIT))
    where = queue.conditions(session, principal, filters)
    gkey = group_key()
    best = func.max(_sort_column(ordering))
    stmt = (
        select(
            gkey.label("g"),
            best.label("best"),
            func.count().label("n"),
            func.count(distinct(Post.source_id)).label("sources"),
            func.min(Post.fetched_at).label("first"),
            func.max(Post.fetched_at).label("last"),
        )
        .where(and_(true(), *where))
        .group_by(gkey)
        .order_by(best.desc(), gkey.desc())
        .limit(limit + 1)
    )
    if cursor:
        value, key = decode_cursor(ordering, cursor)
        kind = UTCDateTime() if ordering.name == "time" else Float()
        stmt = stmt.having(tuple_(best, gkey) < tuple_(literal(value, kind), literal(key)))
    groups = session.execute(stmt).all()
    more = len(groups) > limit
    groups = groups[:limit]
    narratives = [
        Narrative(
            key=int(g.g),
            sort_key=g.best,
            count=int(g.n),
            n_sources=int(g.sources),
            first_seen=g.first,
            last_seen=g.last,
        )
        for g in groups
    ]
    _attach_copies(session, where, ordering, narratives)
    _attach_clusters(session, principal, narratives)
    narratives = [n for n in narratives if n.copies]  # vanished between the two queries
    next_cursor = encode_cursor(ordering, narratives[-1]) if more and narratives else None
    return narratives, next_cursor


def _attach_copies(
    session: Session,
    where: list[ColumnElement[bool]],
    ordering: queue.Ordering,
    narratives: list[Narrative],
) -> None:
    """Load the page's copies in one query, best first, at most MAX_COPIES per group."""
    clusters = [n.key for n in narratives if n.key > 0]
    singles = [-n.key for n in narratives if n.key < 0]
    if not narratives:
        return
    gkey = group_key()
    rank = (
        func.row_number()
        .over(partition_by=gkey, order_by=(_sort_column(ordering).desc(), Post.id.desc()))
        .label("rank")
    )
    in_page = or_(Post.cluster_id.in_(clusters), Post.id.in_(singles))
    ranked = select(Post.id, rank).where(and_(true(), *where), in_page).subquery()
    rows = session.scalars(
        select(Post)
        .join(ranked, ranked.c.id == Post.id)
        .where(ranked.c.rank <= MAX_COPIES)
        .order_by(ranked.c.rank)
    ).all()
    by_key = {n.key: n for n in narratives}
    for post in rows:
        key = post.cluster_id if post.cluster_id is not None else -post.id
        if key in by_key:
            by_key[key].copies.append(post)


def _attach_clusters(session: Session, principal: Principal, narratives: list[Narrative]) -> None:
    ids = [n.key for n in narratives if n.key > 0]
    if not ids:
        return
    found = {c.id: c for c in session.scalars(select(Cluster).where(Cluster.id.in_(ids)))}
    # Why scoped: whole-cluster growth would tell a liaison how fast it spreads elsewhere.
    figures = scoped.figures(session, ids, principal.regions) if principal.region_limited else {}
    for n in narratives:
        cluster = found.get(n.key)
        n.cluster = cluster
        if n.key in figures:
            n.growth_rate = figures[n.key].growth_rate
        elif cluster is not None:
            n.growth_rate = cluster.growth_rate
