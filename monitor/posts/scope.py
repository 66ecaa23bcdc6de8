"""Region scope as SQL: the one place that decides which posts a caller may see."""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, bindparam, cast, exists, false, or_, select, true
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.orm import InstrumentedAttribute, aliased

from monitor.keys.principal import Principal
from monitor.posts.models import Post, PostRegion


def region_match(
    column: ColumnElement[str] | InstrumentedAttribute[str], codes: tuple[str, ...]
) -> ColumnElement[bool]:
    """Match a region-code column against codes, each including its sub-regions."""
    if not codes:
        return false()
    return or_(*[or_(column == c, column.like(c + ".%")) for c in codes])


def post_in_regions(pr: type[PostRegion], codes: tuple[str, ...]) -> ColumnElement[bool]:
    """Match post_regions rows (or an alias) inside any of `codes`, sub-regions included.

    Why province codes apart: `province_code` is the first segment of every stored
    `region_code`, so a two-digit scope is one equality instead of `= OR LIKE`.
    """
    if not codes:
        return false()
    provinces = sorted({c for c in codes if "." not in c})
    deeper = tuple(c for c in codes if "." in c)
    parts: list[ColumnElement[bool]] = []
    if provinces:
        parts.append(pr.province_code.in_(provinces))
    if deeper:
        parts.append(region_match(pr.region_code, deeper))
    return or_(*parts)


def visible_posts(principal: Principal, per_row: bool = False) -> ColumnElement[bool]:
    """Return a WHERE clause limiting posts to the caller's regions (true when unrestricted).

    `per_row`: PostgreSQL keeps the EXISTS a filter on each row the plan reaches instead of
    turning it into a join (`page_scope` says why).
    """
    if not principal.region_limited:
        return true()
    if not principal.regions:
        return false()  # a liaison key with no region sees nothing rather than everything
    # Aliased so the subquery stays self-contained inside queries that join post_regions
    # themselves (otherwise SQLAlchemy correlates it away and the EXISTS has no FROM).
    pr = aliased(PostRegion)
    probe = select(pr.post_id).where(pr.post_id == Post.id, post_in_regions(pr, principal.regions))
    # OFFSET 0 changes no row; PostgreSQL does not pull an EXISTS with an OFFSET up into a join.
    return exists(probe.offset(0) if per_row else probe)


def page_scope(principal: Principal) -> list[ColumnElement[bool]]:
    """Return the scope of a queue page on PostgreSQL: `province_prefilter`, then the exact check.

    Why the exact check stays a per-row filter: as a semi-join, the planner multiplies its
    selectivity with the prefilter's (the same condition twice) and, for a mid-sized
    province, picks a join from `post_regions` that reads every post of the province
    (18,167 buffers for Papua's page at 1 M posts; 7,235 this way).
    """
    narrow = province_prefilter(principal)
    if narrow is None:
        return [visible_posts(principal)]
    return [narrow, visible_posts(principal, per_row=True)]


def province_prefilter(principal: Principal) -> ColumnElement[bool] | None:
    """Return `posts.province_codes && <the scope's provinces>` (PostgreSQL), or None.

    A necessary condition only, beside `visible_posts`, never instead of it: a post in the
    scope has one of its provinces, so the page drops other provinces' posts from the row it
    reads anyway and probes `post_regions` only for the rest (migration b4e6d2a8c1f3).
    """
    if not principal.region_limited or not principal.regions:
        return None
    provinces = sorted({code.split(".", 1)[0] for code in principal.regions})
    # Why literals: with `$1` the GIN overlap's selectivity is a guess, and once psycopg
    # prepares the grouped page, PostgreSQL's generic plan sorts every flagged post of the
    # province (70 ms at 200 k posts) instead of walking the queue index (1 ms). The scope
    # is part of a cached statement's shape by value (`queue.shape_of`): no new variants.
    # Rendered by SQLAlchemy with quoting; codes come from the key's validated regions.
    codes = [bindparam(None, code, type_=String(), literal_execute=True) for code in provinces]
    return Post.province_codes.overlap(cast(array(codes), ARRAY(String(20))))
