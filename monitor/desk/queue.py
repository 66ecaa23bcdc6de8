"""The review queue's read side: filters, the one ordering function, keyset cursors.

Every query here applies `visible_posts(principal)`, so a region-limited caller can
neither list, count nor page into posts outside its regions.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    tuple_,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import InstrumentedAttribute, Session

from monitor.core.base import UTCDateTime
from monitor.core.errors import BadRequest
from monitor.keys.principal import Principal
from monitor.posts.models import Post, PostRegion
from monitor.posts.scope import page_scope, post_in_regions, visible_posts
from monitor.regions.models import Region

SORTS: tuple[str, ...] = ("priority", "time")
STATUSES: tuple[str, ...] = ("new", "confirmed", "dismissed", "escalated")
MAX_LIMIT = 200


class QueryError(BadRequest):
    """A filter or cursor the client must fix; the message says how."""


@dataclass(frozen=True)
class ItemFilters:
    """Filters shared by the queue, counts and exports."""

    labels: tuple[str, ...] = ()
    min_score: float | None = None
    max_score: float | None = None
    statuses: tuple[str, ...] = ()
    # Codes after resolving names; `regions_requested` tells an unresolvable filter
    # (which must match nothing) apart from no filter at all.
    region_codes: tuple[str, ...] = ()
    regions_requested: bool = False
    source_id: int | None = None
    platform: str | None = None
    cluster_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None
    flagged_only: bool = True
    reviewed_only: bool = False
    extra: tuple[ColumnElement[bool], ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class Ordering:
    """A queue order: a sort column, descending, with the post id as tie-breaker."""

    name: str
    column: InstrumentedAttribute[Any]

    def order_by(self) -> list[ColumnElement[Any]]:
        """Return the ORDER BY clauses."""
        return [self.column.desc(), Post.id.desc()]

    def after(self, value: Any, post_id: int) -> ColumnElement[bool]:
        """Return the keyset condition for rows strictly after (value, id)."""
        # Named, so a statement cached per filter shape takes the next cursor's values.
        return tuple_(self.column, Post.id) < tuple_(
            bindparam("after_key", value, type_=self.column.type),
            bindparam("after_id", post_id, type_=Post.id.type),
        )

    def key_of(self, post: Any) -> Any:
        """Return a post's (or a Core row's) sort key in cursor (JSON) form."""
        value = getattr(post, self.column.key)
        return value.isoformat() if isinstance(value, datetime) else value

    def parse_key(self, raw: Any) -> Any:
        """Turn a cursor's JSON sort key back into a column value."""
        if self.name == "time":
            dt = datetime.fromisoformat(raw)
            if dt.tzinfo is None:
                raise ValueError("naive")
            try:
                return dt.astimezone(UTC)  # year 1 at +14:00 has no UTC form: refused
            except OverflowError:
                raise ValueError("out of range") from None
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            raise ValueError("not a number")
        return float(raw)


def queue_order(sort: str = "priority") -> Ordering:
    """Return the queue ordering; the one place that decides what reviewers see first.

    `priority` is the stored blend of score, cluster growth, region risk and recency;
    `time` is newest collected first. Issue 8's uncertainty interleave extends this.
    """
    if sort == "priority":
        return Ordering("priority", Post.priority)
    if sort == "time":
        return Ordering("time", Post.fetched_at)
    raise QueryError("error.bad_sort", choices=", ".join(SORTS))


def encode_cursor(ordering: Ordering, post: Any) -> str:
    """Return an opaque cursor pointing just after `post`."""
    payload = json.dumps({"s": ordering.name, "k": ordering.key_of(post), "i": post.id})
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(ordering: Ordering, cursor: str) -> tuple[Any, int]:
    """Return (sort key, id) from a cursor made for the same sort, or raise QueryError."""
    try:
        if len(cursor) > 400:
            raise ValueError("too long")
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, dict) or raw.get("s") != ordering.name:
            raise ValueError("other sort")
        post_id = raw["i"]
        # Ids are 32-bit integers in the schema: a larger one is a forged cursor, not a 500.
        if isinstance(post_id, bool) or not isinstance(post_id, int) or not 0 < post_id < 2**31:
            raise ValueError("bad id")
        return ordering.parse_key(raw["k"]), post_id
    except (ValueError, KeyError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise QueryError("error.bad_cursor") from None


def resolve_regions(session: Session, values: Sequence[str]) -> tuple[str, ...]:
    """Turn region codes or names (case-insensitive, e.g. 'Jambi', 'Kota Bandung') into codes."""
    codes: set[str] = set()
    for value in (v.strip() for v in values):
        if not value:
            continue
        if value.replace(".", "").isdigit():
            codes.add(value)
            continue
        lowered = value.lower()
        found = session.scalars(
            select(Region.code).where(
                or_(
                    func.lower(Region.name) == lowered,
                    func.lower(Region.name).endswith(" " + lowered, autoescape=True),
                )
            )
        ).all()
        codes.update(found)
    return tuple(sorted(codes))


def labels_any(session: Session, labels: Sequence[str]) -> ColumnElement[bool]:
    """Match posts whose model labels include any of `labels` (JSON array, per dialect)."""
    if session.get_bind().dialect.name == "postgresql":
        labels_b = type_coerce(Post.labels, JSONB)
        # Why a literal: the partial indexes ix_posts_label_<label> (migration f3a8c6d2b9e1)
        # are usable only when the planner sees the label itself; a prepared statement's
        # generic plan would not. Rendered by SQLAlchemy with quoting, never by hand.
        return or_(
            *[
                labels_b.op("@>")(
                    bindparam(None, json.dumps([label]), type_=String(), literal_execute=True)
                )
                for label in labels
            ]
        )
    each = func.json_each(Post.labels).table_valued("value").alias("each_label")
    return exists(select(literal(1)).select_from(each).where(each.c.value.in_(labels)))


def text_match(session: Session, q: str) -> ColumnElement[bool]:
    """Full-text match: tsvector on PostgreSQL (GIN-indexed), LIKE on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        # Literal config so the expression matches the index ix_posts_text_fts.
        vector = func.to_tsvector(literal_column("'simple'"), Post.text)
        words = bindparam("f_q", q, type_=String())
        return vector.op("@@")(func.plainto_tsquery(literal_column("'simple'"), words))
    return Post.text.contains(q, autoescape=True)


# Per-request filter values travel as these named bind parameters, so a statement built once
# for a filter shape (`shape_of`) runs again with new values (`values_of`); every other
# filter value shapes the SQL and is part of the shape.
_VALUE_FIELDS = ("min_score", "max_score", "source_id", "platform", "cluster_id", "since", "until")


def _value(name: str, value: Any, type_: Any) -> Any:
    return bindparam(f"f_{name}", value, type_=type_)


def conditions(
    session: Session, principal: Principal, f: ItemFilters, walk: bool = True
) -> list[ColumnElement[bool]]:
    """Return the WHERE conditions for filters plus the caller's region scope.

    Per-request values are named bind parameters `f_<field>` (see `values_of`): two
    condition lists in one statement must come from filters with the same values.
    `walk=False`: for lookups by id or cluster, which need no province pre-filter (and
    where the planner would AND its GIN bitmap, every post of the province, into theirs).
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    scope = page_scope(principal) if postgres and walk else [visible_posts(principal)]
    where: list[ColumnElement[bool]] = [*scope, *f.extra]
    if f.flagged_only:
        where.append(Post.flagged.is_(True))
    if f.reviewed_only:
        where.append(Post.review_status != "new")
    if f.labels:
        where.append(labels_any(session, f.labels))
    if f.min_score is not None:
        where.append(Post.max_score >= _value("min_score", f.min_score, Post.max_score.type))
    if f.max_score is not None:
        where.append(Post.max_score <= _value("max_score", f.max_score, Post.max_score.type))
    if f.statuses:
        where.append(Post.review_status.in_(f.statuses))
    if f.regions_requested:
        where.append(
            exists(
                select(PostRegion.post_id).where(
                    PostRegion.post_id == Post.id, post_in_regions(PostRegion, f.region_codes)
                )
            )
        )
    if f.source_id is not None:
        where.append(Post.source_id == _value("source_id", f.source_id, Post.source_id.type))
    if f.platform:
        where.append(Post.platform == _value("platform", f.platform, Post.platform.type))
    if f.cluster_id is not None:
        where.append(Post.cluster_id == _value("cluster_id", f.cluster_id, Post.cluster_id.type))
    if f.since is not None:
        where.append(Post.fetched_at >= _value("since", f.since, UTCDateTime()))
    if f.until is not None:
        where.append(Post.fetched_at < _value("until", f.until, UTCDateTime()))
    if f.q:
        where.append(text_match(session, f.q))
    return where


def shape_of(dialect: str, principal: Principal, f: ItemFilters) -> tuple[Any, ...] | None:
    """Return what decides the SQL of `conditions` (values apart), or None when uncacheable.

    The caller's scope is part of the shape by value: a statement built for one key's
    regions is never run for another's. `extra` clauses cannot be compared: no shape.
    """
    if f.extra:
        return None
    present = [
        bool(getattr(f, n)) if n == "platform" else getattr(f, n) is not None for n in _VALUE_FIELDS
    ]
    # Full-text on PostgreSQL is a bound value; SQLite's LIKE escapes the text into the SQL.
    q = bool(f.q) if dialect == "postgresql" else f.q
    scope = (principal.region_limited, principal.regions)
    flags = (f.regions_requested, f.flagged_only, f.reviewed_only, tuple(present), q)
    return (dialect, scope, f.labels, f.statuses, f.region_codes, flags)


def values_of(dialect: str, f: ItemFilters) -> dict[str, Any]:
    """Return the per-request bind values of `conditions` for filters `f`."""
    out = {f"f_{name}": getattr(f, name) for name in _VALUE_FIELDS}
    if dialect == "postgresql":
        out["f_q"] = f.q
    return out


def page(
    session: Session,
    principal: Principal,
    filters: ItemFilters,
    sort: str = "priority",
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[Post], str | None]:
    """Return one page of posts and the cursor of the next page (None at the end)."""
    ordering = queue_order(sort)
    limit = max(1, min(limit, MAX_LIMIT))
    query = _select(session, principal, filters, ordering, cursor).limit(limit + 1)
    rows = list(session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(ordering, rows[-1]) if more and rows else None


def key_page(
    session: Session,
    principal: Principal,
    filters: ItemFilters,
    sort: str = "priority",
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[list[Any], str | None]:
    """Return one page as (id, sort key) rows, same order and cursor as `page`.

    Why: a caller that loads the rows it shows by id (the uncertainty mix) needs no `Post`.
    """
    ordering = queue_order(sort)
    limit = max(1, min(limit, MAX_LIMIT))
    where = conditions(session, principal, filters)
    if cursor:
        where.append(ordering.after(*decode_cursor(ordering, cursor)))
    query = (
        select(Post.id, ordering.column)
        .where(and_(true(), *where))
        .order_by(*ordering.order_by())
        .limit(limit + 1)
    )
    rows = list(session.execute(query).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(ordering, rows[-1]) if more and rows else None


def statement(
    session: Session,
    principal: Principal,
    filters: ItemFilters,
    sort: str = "priority",
    cursor: str | None = None,
    limit: int = 50,
) -> Select[tuple[Post]]:
    """Return the queue's SELECT for one page (for query plans in `waspada bench api`)."""
    return _select(session, principal, filters, queue_order(sort), cursor).limit(limit)


def _select(
    session: Session,
    principal: Principal,
    filters: ItemFilters,
    ordering: Ordering,
    cursor: str | None,
) -> Select[tuple[Post]]:
    where = conditions(session, principal, filters)
    if cursor:
        where.append(ordering.after(*decode_cursor(ordering, cursor)))
    return select(Post).where(and_(true(), *where)).order_by(*ordering.order_by())


def iter_all(
    session: Session,
    principal: Principal,
    filters: ItemFilters,
    sort: str = "time",
    batch: int = 1000,
) -> Iterator[list[Post]]:
    """Yield every matching post in batches by keyset, so exports use bounded memory."""
    ordering = queue_order(sort)
    cursor: str | None = None
    while True:
        rows = list(
            session.scalars(_select(session, principal, filters, ordering, cursor).limit(batch))
        )
        if not rows:
            return
        yield rows
        if len(rows) < batch:
            return
        cursor = encode_cursor(ordering, rows[-1])
        session.expunge_all()  # drop the previous batch from the identity map


def count(session: Session, principal: Principal, filters: ItemFilters) -> int:
    """Count matching posts within the caller's scope."""
    where = conditions(session, principal, filters)
    return int(session.scalar(select(func.count()).select_from(Post).where(*where)) or 0)


def regions_of(session: Session, post_ids: Sequence[int]) -> dict[int, list[str]]:
    """Return each post's region codes."""
    found: dict[int, list[str]] = {i: [] for i in post_ids}
    if post_ids:
        rows = session.execute(
            select(PostRegion.post_id, PostRegion.region_code)
            .where(PostRegion.post_id.in_(post_ids))
            .order_by(PostRegion.region_code)
        )
        for post_id, code in rows:
            found[post_id].append(code)
    return found
