"""Queue rows straight from Core rows: one query gives a page's posts, regions and claims.

Why not ORM objects: loading 51 `Post` objects, then regions and claims in two more
queries with 50-id IN lists, was most of a queue request's CPU. Here the page's SELECT
carries only the columns a row shows (the text cut to the snippet in SQL), the region codes
as one correlated aggregate, and the live claim through an outer join.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    and_,
    any_,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.orm import Session

from monitor.core.base import UTCDateTime, utcnow
from monitor.core.localtime import ZONES, local_iso, pick_zone, zone_of_regions
from monitor.desk import queue, statements
from monitor.desk.schemas import QueueRow
from monitor.desk.views import SNIPPET_CHARS
from monitor.keys.models import ApiKey
from monitor.keys.principal import Principal
from monitor.posts.models import Post, PostRegion
from monitor.reviews.models import Claim


def id_in(
    session: Session, column: Any, ids: Sequence[int], name: str | None = None
) -> ColumnElement[bool]:
    """Return `column IN ids`; on PostgreSQL `column = ANY(:array)`, one parameter.

    Why: psycopg parses a statement once and caches it, but not when it has more than 50
    parameters, and SQLAlchemy expands an IN list into one parameter per id; a page's
    50-id lists made both redo their work on every request.
    """
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(name, list(ids), type_=ARRAY(Integer)))
    return column.in_(bindparam(name, list(ids), expanding=True))


def region_codes_of(session: Session, post_id: Any) -> ColumnElement[Any]:
    """Return the region codes of the post `post_id` names, space-separated (correlated)."""
    if session.get_bind().dialect.name == "postgresql":
        agg = func.string_agg(PostRegion.region_code, literal_column("' '"))
    else:
        agg = func.group_concat(PostRegion.region_code, " ")
    return select(agg).where(PostRegion.post_id == post_id).scalar_subquery()


def select_rows(session: Session, now: datetime | None = None) -> Select[Any]:
    """Return a SELECT of queue-row columns (add WHERE, ORDER BY and LIMIT to it)."""
    now = now or utcnow()
    return (
        select(
            Post.id,
            Post.platform,
            Post.source_id,
            Post.url,
            Post.author,
            Post.title,
            # One character more than the snippet tells whether it was cut.
            func.substr(Post.text, 1, SNIPPET_CHARS + 1).label("text"),
            Post.published_at,
            Post.fetched_at,
            Post.labels,
            Post.max_score,
            Post.priority,
            Post.review_status,
            Post.cluster_id,
            region_codes_of(session, Post.id).label("region_codes"),
            ApiKey.name.label("claimed_by"),
            Claim.expires_at.label("claim_expires"),
            Claim.key_id.label("claim_key"),
        )
        .select_from(Post)
        .outerjoin(
            Claim,
            and_(
                Claim.post_id == Post.id,
                # Named: a cached page statement takes each request's clock (`flat_rows`).
                Claim.expires_at > bindparam("claims_now", now, type_=UTCDateTime()),
            ),
        )
        .outerjoin(ApiKey, ApiKey.id == Claim.key_id)
    )


def regions_of(row: Any) -> list[str]:
    """Return a row's region codes, sorted."""
    return sorted(row.region_codes.split()) if row.region_codes else []


def queue_row(row: Any, zone: str | None = None) -> QueueRow:
    """Return the API's queue row for a Core row from `select_rows` (validated once)."""
    text = row.text or ""
    regions = regions_of(row)
    chosen = pick_zone(zone, regions)
    claim = (
        {"claimed_by": row.claimed_by or "?", "expires_at": row.claim_expires}
        if row.claim_key is not None
        else None
    )
    return QueueRow(
        id=row.id,
        platform=row.platform,
        source_id=row.source_id,
        url=row.url,
        author=row.author,
        title=row.title,
        text=text[:SNIPPET_CHARS],
        text_truncated=len(text) > SNIPPET_CHARS,
        published_at=row.published_at,
        fetched_at=row.fetched_at,
        labels=list(row.labels or []),
        max_score=row.max_score,
        priority=row.priority,
        review_status=row.review_status,
        cluster_id=row.cluster_id,
        regions=regions,
        claim=claim,
        timezone=chosen,
        published_local=local_iso(row.published_at or row.fetched_at, chosen),
    )


def row_dict(row: Any, zone: str | None = None) -> dict[str, Any]:
    """Return what `queue_row(row, zone)` serialises to, as a plain dict (datetimes kept).

    Why: validating 50 `QueueRow` models and dumping them was a quarter of a queue
    request's CPU; the API writes this dict with orjson instead (same JSON, tested).
    """
    return page_dicts((row,), zone)[0]


def page_dicts(rows: Iterable[Any], zone: str | None = None) -> list[dict[str, Any]]:
    """Return `row_dict(row, zone)` for each row of a page (the zone checked once per page).

    Why one loop: per row, `pick_zone`, `local_iso` and the region sort were a tenth of a
    flat page's CPU; here a region string's sorted codes and zone come from a small cache
    and the time is converted with the zone's tzinfo directly.
    """
    chosen_zone = zone.upper() if zone and zone.upper() in ZONES else None
    regions_zone = _regions_zone
    out = []
    # Unpacked by position (the order of `select_rows`): a named lookup per field costs more.
    for (
        post_id,
        platform,
        source_id,
        url,
        author,
        title,
        text,
        published_at,
        fetched_at,
        labels,
        max_score,
        priority,
        review_status,
        cluster_id,
        region_codes,
        claimed_by,
        claim_expires,
        claim_key,
        *_,  # a narrative's head carries its priority's inputs after these
    ) in rows:
        text = text or ""
        codes, region_zone = regions_zone(region_codes)
        chosen = chosen_zone or region_zone
        at = published_at or fetched_at
        if at is not None and at.tzinfo is None:
            # As `localtime.to_local`: a naive time is a bug upstream, not UTC by guess.
            raise ValueError("naive datetime: store and pass times as timezone-aware UTC")
        out.append(
            {
                "id": post_id,
                "platform": platform,
                "source_id": source_id,
                "url": url,
                "author": author,
                "title": title,
                "text": text[:SNIPPET_CHARS],
                "text_truncated": len(text) > SNIPPET_CHARS,
                "published_at": published_at,
                "fetched_at": fetched_at,
                "labels": list(labels or []),
                "max_score": max_score,
                "priority": priority,
                "review_status": review_status,
                "cluster_id": cluster_id,
                "regions": list(codes),
                "claim": (
                    {"claimed_by": claimed_by or "?", "expires_at": claim_expires}
                    if claim_key is not None
                    else None
                ),
                "why_in_queue": "order",
                "uncertainty": None,
                "narrative": None,
                "priority_parts": None,
                "timezone": chosen,
                "published_local": None if at is None else at.astimezone(ZONES[chosen]).isoformat(),
            }
        )
    return out


def _regions_zone(region_codes: str | None) -> tuple[tuple[str, ...], str]:
    """Return a post's sorted region codes and their zone, cached by the aggregated string."""
    found = _REGION_ZONES.get(region_codes)
    if found is None:
        codes = tuple(sorted(region_codes.split())) if region_codes else ()
        found = (codes, zone_of_regions(codes))
        if len(_REGION_ZONES) >= _REGION_ZONES_MAX:
            _REGION_ZONES.clear()  # bounded: region strings are few, but never trust that
        _REGION_ZONES[region_codes] = found
    return found


def rows_by_ids(session: Session, ids: Sequence[int]) -> list[Any]:
    """Return the Core rows of these post ids, in the given order (one query)."""
    if not ids:
        return []
    key = ("by-ids", session.get_bind().dialect.name)
    stmt = _BY_IDS.get(key)
    if stmt is None:
        stmt = select_rows(session).where(id_in(session, Post.id, ids, "page_ids"))
        _BY_IDS.put(key, stmt)
    params = {"page_ids": list(ids), "claims_now": utcnow()}
    found = {r.id: r for r in session.connection().execute(stmt, params)}
    return [found[i] for i in ids if i in found]


def by_ids(session: Session, ids: Sequence[int], zone: str | None = None) -> list[QueueRow]:
    """Return queue rows for these post ids, in the given order (one query)."""
    return [queue_row(r, zone) for r in rows_by_ids(session, ids)]


def execute(session: Session, stmt: Select[Any]) -> Sequence[Any]:
    """Run a page statement on the session's connection: plain rows, no ORM loading step.

    Why: the statement names only columns, so the ORM's result machinery (identity map,
    loading context) adds CPU and nothing else; the session's transaction is the same.
    """
    return session.connection().execute(stmt).all()


def flat_statement(
    session: Session,
    principal: Principal,
    filters: queue.ItemFilters,
    sort: str = "priority",
    cursor: str | None = None,
    limit: int = 50,
) -> Select[Any]:
    """Return the per-post queue page's one SELECT (also for `waspada bench api` plans)."""
    ordering = queue.queue_order(sort)
    where = queue.conditions(session, principal, filters)
    if cursor:
        where.append(ordering.after(*queue.decode_cursor(ordering, cursor)))
    return select_rows(session).where(*where).order_by(*ordering.order_by()).limit(limit)


def flat_page(
    session: Session,
    principal: Principal,
    filters: queue.ItemFilters,
    sort: str = "priority",
    cursor: str | None = None,
    limit: int = 50,
    zone: str | None = None,
) -> tuple[list[QueueRow], str | None]:
    """Return one page of the per-post queue and the next cursor (QueryError on bad input)."""
    rows, next_cursor = flat_rows(session, principal, filters, sort, cursor, limit)
    return [queue_row(r, zone) for r in rows], next_cursor


def flat_rows(
    session: Session,
    principal: Principal,
    filters: queue.ItemFilters,
    sort: str = "priority",
    cursor: str | None = None,
    limit: int = 50,
) -> tuple[Sequence[Any], str | None]:
    """Return one page of the per-post queue as Core rows, and the next cursor."""
    ordering = queue.queue_order(sort)
    limit = max(1, min(limit, queue.MAX_LIMIT))
    after = queue.decode_cursor(ordering, cursor) if cursor else None
    dialect = session.get_bind().dialect.name
    shape = queue.shape_of(dialect, principal, filters)
    if shape is None:
        stmt = flat_statement(session, principal, filters, sort, cursor, limit + 1)
        rows = execute(session, stmt)
    else:
        # Built for this shape with the first request's values; every run passes its own.
        stmt = _FLAT_PAGES.build(
            (shape, ordering.name, after is not None),
            lambda: flat_statement(session, principal, filters, sort, cursor, 1).limit(
                bindparam("page_limit", type_=Integer())
            ),
        )
        params = queue.values_of(dialect, filters)
        params.update(claims_now=utcnow(), page_limit=limit + 1)
        if after is not None:
            params.update(after_key=after[0], after_id=after[1])
        rows = session.connection().execute(stmt, params).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = queue.encode_cursor(ordering, rows[-1]) if more and rows else None
    return rows, next_cursor


_FLAT_PAGES = statements.StatementCache()
_BY_IDS = statements.StatementCache(size=8)
_REGION_ZONES: dict[str | None, tuple[tuple[str, ...], str]] = {}
_REGION_ZONES_MAX = 4096
