"""The narrative-first queue: one row per cluster (its best copy on top), single posts alone.

Three small queries per page, all over the same filters and region scope as the flat queue:
the flat queue's keyset walk keeping only each group's best copy (a group sits where its best
copy sits), the page's clusters' figures (copies, sources, first/last seen), and the page's
copies (a window function keeps at most MAX_COPIES per group). A post whose cluster is NULL
(clusters are created lazily, on the second copy) is a group of its own.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

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
    cluster: Cluster | None = None
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


def _sort_column(ordering: queue.Ordering) -> Any:
    return ordering.column


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
    figures = _figures(pg, [t.cluster_id for t in tops if t.cluster_id is not None])
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
    _attach_copies(pg, narratives)
    for n in narratives:
        if n.key > 0 and n.key in figures:
            n.count, n.n_sources, n.first_seen, n.last_seen = figures[n.key]
        else:  # a single post is its own figures
            top = n.top
            n.count, n.n_sources = 1, int(top.source_id is not None)
            n.first_seen = n.last_seen = top.fetched_at
    _attach_clusters(session, principal, narratives)
    next_cursor = encode_cursor(ordering, narratives[-1]) if more and narratives else None
    return narratives, next_cursor


def _figures(pg: _Page, cluster_ids: list[int]) -> dict[int, tuple[int, int, datetime, datetime]]:
    """Return (copies, sources, first, last) of the page's clusters over matching copies."""
    if not cluster_ids:
        return {}
    rows = pg.run(
        "figures",
        lambda: (
            select(
                Post.cluster_id,
                func.count(),
                func.count(distinct(Post.source_id)),
                func.min(Post.fetched_at),
                func.max(Post.fetched_at),
            )
            .where(
                and_(true(), *pg.where()),
                pagerows.id_in(pg.session, Post.cluster_id, cluster_ids, "cluster_ids"),
            )
            .group_by(Post.cluster_id)
        ),
        cluster_ids=list(cluster_ids),
    )
    return {int(r[0]): (int(r[1]), int(r[2]), r[3], r[4]) for r in rows}


def _attach_heads(pg: _Page, narratives: list[Narrative], tops: Any) -> None:
    """Load each group's shown row (its best copy) with its priority's inputs, in one query.

    Why folded here: the row's priority parts (best flagged score, regions' IKP) used to
    take two more queries per page; as correlated columns of these 50 rows they cost little.
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
            )
            .where(
                and_(true(), *pg.where()),
                pagerows.id_in(pg.session, Post.id, list(wanted), "page_ids"),
            )
        ),
        page_ids=list(wanted),
        claims_now=utcnow(),
    )
    for row in rows:
        wanted[row.id].head = row


def _attach_copies(pg: _Page, narratives: list[Narrative]) -> None:
    """Load the page's clusters' copies in one query, best first, at most MAX_COPIES each.

    Only what the narrative lists (id, platform, regions): the shown row is the head.
    """
    for n in narratives:
        if n.key < 0:
            n.copies = [n.head]
    clusters = [n.key for n in narratives if n.key > 0]
    if not clusters:
        return

    def make() -> Select[Any]:
        rank = (
            func.row_number()
            .over(
                partition_by=Post.cluster_id,
                order_by=(_sort_column(pg.ordering).desc(), Post.id.desc()),
            )
            .label("rank")
        )
        ranked = (
            select(Post.id, Post.cluster_id, Post.platform, rank)
            .where(
                and_(true(), *pg.where()),
                pagerows.id_in(pg.session, Post.cluster_id, clusters, "cluster_ids"),
            )
            .subquery()
        )
        regions = pagerows.region_codes_of(pg.session, ranked.c.id)
        return (
            select(
                ranked.c.id, ranked.c.cluster_id, ranked.c.platform, regions.label("region_codes")
            )
            .where(ranked.c.rank <= MAX_COPIES)
            .order_by(ranked.c.cluster_id, ranked.c.rank)
        )

    rows = pg.run("copies", make, cluster_ids=clusters)
    by_key = {n.key: n for n in narratives}
    for row in rows:
        if row.cluster_id in by_key:
            by_key[row.cluster_id].copies.append(row)


def _attach_clusters(session: Session, principal: Principal, narratives: list[Narrative]) -> None:
    ids = [n.key for n in narratives if n.key > 0]
    if not ids:
        return
    key = ("clusters", session.get_bind().dialect.name)
    stmt = _GROUPED.build(
        key, lambda: select(Cluster).where(pagerows.id_in(session, Cluster.id, ids, "cluster_ids"))
    )
    found = {c.id: c for c in session.scalars(stmt, {"cluster_ids": ids})}
    # Why scoped: whole-cluster growth would tell a liaison how fast it spreads elsewhere.
    figures = scoped.figures(session, ids, principal.regions) if principal.region_limited else {}
    for n in narratives:
        cluster = found.get(n.key)
        n.cluster = cluster
        if n.key in figures:
            n.growth_rate = figures[n.key].growth_rate
        elif cluster is not None:
            n.growth_rate = cluster.growth_rate
