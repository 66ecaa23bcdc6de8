"""The narrative-first queue: one row per cluster (its best copy on top), single posts alone.

Three queries per page, all over the same filters and region scope as the flat queue: the
flat queue's keyset walk keeping only each group's best copy (a group sits where its best copy
sits), the shown rows with their clusters' stored figures, and the page's copies with the
figures over matching copies (a window function keeps at most MAX_COPIES per group). A post
whose cluster is NULL (clusters are created lazily, on the second copy) is a group of its own.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    distinct,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.util import ClauseAdapter

from monitor.clusters import scoped
from monitor.clusters.models import Cluster
from monitor.core.base import utcnow
from monitor.desk import pagerows, queue, statements
from monitor.flows import repository as flows_repo
from monitor.keys.principal import Principal
from monitor.posts.models import Post

GROUPINGS: tuple[str, ...] = ("cluster", "none")
MAX_COPIES = 20  # copies listed under a cluster row; the count says how many match


class ClusterFigures(NamedTuple):
    """A cluster's stored figures the queue row shows (what `spread_parts` reads)."""

    id: int
    size: int
    first_seen: datetime
    last_seen: datetime
    n_sources: int
    n_regions: int
    growth_rate: float
    decision: str | None


# The heads query's last columns, in `ClusterFigures` order (NULL without a cluster).
_CLUSTER_COLUMNS = (
    Cluster.id.label("cluster_row_id"),
    Cluster.size.label("cluster_size"),
    Cluster.first_seen.label("cluster_first_seen"),
    Cluster.last_seen.label("cluster_last_seen"),
    Cluster.n_sources.label("cluster_n_sources"),
    Cluster.n_regions.label("cluster_n_regions"),
    Cluster.growth_rate.label("cluster_growth_rate"),
    Cluster.decision.label("cluster_decision"),
)


@dataclass
class Narrative:
    """One queue row: a cluster's matching copies (best first) or a single post."""

    key: int  # the cluster id, or minus the post id for a post without a cluster
    sort_key: Any
    count: int
    n_sources: int
    first_seen: datetime
    last_seen: datetime
    # The row the queue shows: `pagerows.select_rows` columns plus its priority's inputs
    # (`flagged`, `best_score`, `seen`, `risk`); None when it vanished between the queries.
    head: Any = None
    # Up to MAX_COPIES matching copies, best first: (id, cluster_id, platform, region_codes).
    copies: list[Any] = field(default_factory=list)
    # Duck-typed as a `Cluster` by `clusters.service.spread_parts` and the row's decision.
    cluster: Any = None  # ClusterFigures | None
    growth_rate: float = 0.0  # copies per hour (within the caller's regions when limited)

    @property
    def cluster_id(self) -> int | None:
        """Return the cluster id, or None for a single post."""
        return self.key if self.key > 0 else None

    @property
    def top(self) -> Any:
        """Return the copy the row shows: the best by the queue's order."""
        return self.head


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def encode_cursor(ordering: queue.Ordering, narrative: Narrative) -> str:
    """Return an opaque cursor pointing just after a group (after its best copy)."""
    value = narrative.sort_key
    raw = value.isoformat() if isinstance(value, datetime) else value
    payload = json.dumps({"s": ordering.name, "m": "cluster", "k": raw, "i": narrative.top.id})
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(ordering: queue.Ordering, cursor: str) -> tuple[Any, int]:
    """Return (sort key, post id) from a grouped cursor of the same sort, or raise QueryError."""
    try:
        if len(cursor) > 400:
            raise ValueError("too long")
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, dict) or raw.get("s") != ordering.name or raw.get("m") != "cluster":
            raise ValueError("other sort or grouping")
        post_id = raw["i"]
        if isinstance(post_id, bool) or not isinstance(post_id, int) or not 0 < post_id < 2**31:
            raise ValueError("bad id")
        value = ordering.parse_key(raw["k"])
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("not finite")
        return value, post_id
    except (ValueError, KeyError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise queue.QueryError("error.bad_group_cursor") from None


def first_of_group(
    where: list[ColumnElement[bool]], ordering: queue.Ordering
) -> ColumnElement[bool]:
    """Match posts that are the best matching copy of their cluster (or have no cluster).

    Why this shape: a group's row sits where its best copy sits in the flat queue, so the
    page is the flat queue's index walk minus later copies; each clustered candidate costs
    one probe of `ix_posts_cluster_id` instead of grouping every matching post per page.
    """
    other = Post.__table__.alias("better")
    adapt = ClauseAdapter(other).traverse
    column = other.c[ordering.column.key]
    better = exists(
        select(literal(1))
        .select_from(other)
        .where(
            other.c.cluster_id == Post.cluster_id,
            tuple_(column, other.c.id) > tuple_(ordering.column, Post.id),
            *[adapt(c) for c in where],
        )
    )
    return or_(Post.cluster_id.is_(None), ~better)


def tops_statement(
    where: list[ColumnElement[bool]],
    ordering: queue.Ordering,
    cursor: str | None = None,
    limit: int = 50,
    better_where: list[ColumnElement[bool]] | None = None,
) -> Select[Any]:
    """Return the SELECT of a page's groups: each group's best copy, in queue order.

    `better_where`: the same filters for the per-cluster probe of `first_of_group`, when
    they differ only in a pre-filter the probe does not need (default: `where`).
    """
    stmt = select(Post.id, Post.cluster_id, ordering.column.label("best")).where(
        and_(true(), *where),
        first_of_group(where if better_where is None else better_where, ordering),
    )
    if cursor:
        stmt = stmt.where(ordering.after(*decode_cursor(ordering, cursor)))
    return stmt.order_by(*ordering.order_by()).limit(limit)


@dataclass
class _Page:
    """One grouped page's statements: cached per filter shape, run with this page's values."""

    session: Session
    principal: Principal
    filters: queue.ItemFilters
    ordering: queue.Ordering
    shape: Any
    values: dict[str, Any]
    built: list[ColumnElement[bool]] | None = None

    def where(self, walk: bool = False) -> list[ColumnElement[bool]]:
        """Return the filter and scope conditions (built only when a statement is).

        `walk`: for the queue walk of `tops` (see `queue.conditions`); lookups by id or
        cluster take the plain scope.
        """
        if walk:
            return queue.conditions(self.session, self.principal, self.filters)
        if self.built is None:
            self.built = queue.conditions(self.session, self.principal, self.filters, walk=False)
        return self.built

    def run(self, name: str, make: Callable[[], Select[Any]], **params: Any) -> Sequence[Any]:
        """Run statement `name` of this shape (built by `make` once) with these values."""
        key = None if self.shape is None else (name, self.ordering.name, self.shape)
        stmt = _GROUPED.build(key, make)
        return self.session.connection().execute(stmt, {**self.values, **params}).all()


_GROUPED = statements.StatementCache()


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
    after = decode_cursor(ordering, cursor) if cursor else None
    dialect = session.get_bind().dialect.name
    pg = _Page(
        session,
        principal,
        filters,
        ordering,
        queue.shape_of(dialect, principal, filters),
        queue.values_of(dialect, filters),
    )
    params: dict[str, Any] = {"page_limit": limit + 1}
    if after is not None:
        params.update(after_key=after[0], after_id=after[1])
    tops = pg.run(
        "tops" if after is None else "tops-after",
        lambda: tops_statement(pg.where(walk=True), ordering, cursor, 1, pg.where()).limit(
            bindparam("page_limit", type_=Integer())
        ),
        **params,
    )
    more = len(tops) > limit
    tops = tops[:limit]
    narratives = [
        Narrative(
            key=int(t.cluster_id) if t.cluster_id is not None else -int(t.id),
            sort_key=t.best,
            count=0,
            n_sources=0,
            first_seen=_EPOCH,
            last_seen=_EPOCH,
        )
        for t in tops
    ]
    _attach_heads(pg, narratives, tops)
    narratives = [n for n in narratives if n.head is not None]  # vanished between the queries
    figures = _attach_copies(pg, narratives)
    for n in narratives:
        if n.key > 0 and n.key in figures:
            n.count, n.n_sources, n.first_seen, n.last_seen = figures[n.key]
        else:  # a single post is its own figures
            n.count, n.n_sources = 1, int(n.head.source_id is not None)
            n.first_seen = n.last_seen = n.head.fetched_at
    _attach_growth(session, principal, narratives)
    next_cursor = encode_cursor(ordering, narratives[-1]) if more and narratives else None
    return narratives, next_cursor


def _attach_heads(pg: _Page, narratives: list[Narrative], tops: Any) -> None:
    """Load each group's shown row (its best copy) with its priority's inputs, in one query.

    Why folded here: the row's priority parts (best flagged score, regions' IKP) used to
    take two more queries per page; as correlated columns of these 50 rows they cost little.
    The cluster's stored figures come the same way (an outer join on its primary key): as
    ORM objects in a query of their own they were a tenth of a grouped page's CPU.
    """
    wanted = {int(t.id): n for t, n in zip(tops, narratives, strict=True)}
    if not wanted:
        return
    rows = pg.run(
        "heads",
        lambda: (
            pagerows.select_rows(pg.session)
            .add_columns(
                Post.flagged.label("flagged"),
                flows_repo.best_score_column().label("best_score"),
                func.coalesce(Post.published_at, Post.fetched_at).label("seen"),
                flows_repo.region_risk_column().label("risk"),
                *_CLUSTER_COLUMNS,
            )
            .outerjoin(Cluster, Cluster.id == Post.cluster_id)
            .where(
                and_(true(), *pg.where()),
                pagerows.id_in(pg.session, Post.id, list(wanted), "page_ids"),
            )
        ),
        page_ids=list(wanted),
        claims_now=utcnow(),
    )
    for row in rows:
        n = wanted[row.id]
        n.head = row
        # Only the cluster the page grouped by (the post may have moved since `tops`).
        if row.cluster_row_id is not None and row.cluster_row_id == n.key:
            n.cluster = ClusterFigures(*row[-len(_CLUSTER_COLUMNS) :])


def _attach_copies(
    pg: _Page, narratives: list[Narrative]
) -> dict[int, tuple[int, int, datetime, datetime]]:
    """Load the page's clusters' copies, best first and at most MAX_COPIES each, and return
    each cluster's (copies, sources, first, last) over its matching copies, in one query.

    Only what the narrative lists (id, platform, regions); the shown row is the head. One
    statement: the matching copies are read once (a CTE) and the page saves a round trip.
    """
    for n in narratives:
        if n.key < 0:
            n.copies = [n.head]
    clusters = [n.key for n in narratives if n.key > 0]
    if not clusters:
        return {}

    def make() -> Select[Any]:
        rank = (
            func.row_number()
            .over(
                partition_by=Post.cluster_id,
                order_by=(pg.ordering.column.desc(), Post.id.desc()),
            )
            .label("rank")
        )
        matching = (
            select(Post.id, Post.cluster_id, Post.platform, Post.source_id, Post.fetched_at, rank)
            .where(
                and_(true(), *pg.where()),
                pagerows.id_in(pg.session, Post.cluster_id, clusters, "cluster_ids"),
            )
            .cte("matching")
        )
        figures = (
            select(
                matching.c.cluster_id.label("figure_cluster"),
                func.count().label("n_copies"),
                func.count(distinct(matching.c.source_id)).label("n_sources"),
                func.min(matching.c.fetched_at).label("first_seen"),
                func.max(matching.c.fetched_at).label("last_seen"),
            )
            .group_by(matching.c.cluster_id)
            .subquery()
        )
        regions = pagerows.region_codes_of(pg.session, matching.c.id)
        return (
            select(
                matching.c.id,
                matching.c.cluster_id,
                matching.c.platform,
                regions.label("region_codes"),
                figures.c.n_copies,
                figures.c.n_sources,
                figures.c.first_seen,
                figures.c.last_seen,
            )
            .join(figures, figures.c.figure_cluster == matching.c.cluster_id)
            .where(matching.c.rank <= MAX_COPIES)
            .order_by(matching.c.cluster_id, matching.c.rank)
        )

    rows = pg.run("copies", make, cluster_ids=clusters)
    by_key = {n.key: n for n in narratives}
    figures: dict[int, tuple[int, int, datetime, datetime]] = {}
    for row in rows:
        key = int(row.cluster_id)
        if key in by_key:
            by_key[key].copies.append(row)
            if key not in figures:  # every row of a cluster carries its figures
                figures[key] = (row.n_copies, row.n_sources, row.first_seen, row.last_seen)
    return figures


def _attach_growth(session: Session, principal: Principal, narratives: list[Narrative]) -> None:
    """Set each narrative's growth: the stored cluster's, or its caller's regions' only."""
    ids = [n.key for n in narratives if n.key > 0]
    # Why scoped: whole-cluster growth would tell a liaison how fast it spreads elsewhere.
    limited = ids and principal.region_limited
    figures = scoped.figures(session, ids, principal.regions) if limited else {}
    for n in narratives:
        if n.key in figures:
            n.growth_rate = figures[n.key].growth_rate
        elif n.cluster is not None:
            n.growth_rate = n.cluster.growth_rate
