"""Every query the regions domain runs (regions, post_regions, IKP scores, region figures)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from monitor.clusters.models import Cluster
from monitor.keys.principal import Principal
from monitor.posts.models import Post, PostRegion
from monitor.posts.scope import region_match, visible_posts
from monitor.regions.models import IkpScore, Region
from monitor.reviews.effective import DECIDED, EFFECTIVE_FLAGGED, STANDING_REVIEW
from monitor.reviews.models import Review
from monitor.sources.models import Source

# The time a post counts at: when it was published, else when we collected it.
POST_TIME = func.coalesce(Post.published_at, Post.fetched_at)


def region_count(session: Session) -> int:
    """Count stored regions."""
    return int(session.scalar(select(func.count()).select_from(Region)) or 0)


def region_codes(session: Session) -> set[str]:
    """Return every stored region code."""
    return set(session.scalars(select(Region.code)))


def existing_codes(session: Session, codes: Iterable[str]) -> set[str]:
    """Return which of the given codes are stored."""
    wanted = list(set(codes))
    if not wanted:
        return set()
    return set(session.scalars(select(Region.code).where(Region.code.in_(wanted))))


def insert_regions(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert region rows (parents must come before children), skipping codes already there."""
    # Why ON CONFLICT: several schedulers (or ingest runs) on a fresh database may load the
    # list at once; the loser must skip the rows the winner stored, not fail its whole run.
    dialect = session.get_bind().dialect.name
    upsert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = upsert(Region).on_conflict_do_nothing(index_elements=[Region.code])
    for start in range(0, len(rows), 2000):
        session.execute(stmt, list(rows[start : start + 2000]))
    session.flush()


def update_region_names(session: Session, names: dict[str, str]) -> None:
    """Rename regions whose official name changed."""
    for code, name in names.items():
        region = session.get(Region, code)
        if region is not None:
            region.name = name
    session.flush()


def get_region(session: Session, code: str) -> Region | None:
    """Return one region by code."""
    return session.get(Region, code)


def children_of(session: Session, code: str | None, levels: Iterable[str]) -> list[Region]:
    """Return the direct children of a region (provinces when code is None)."""
    stmt = select(Region).where(Region.level.in_(list(levels))).order_by(Region.code)
    stmt = stmt.where(Region.parent_code.is_(None) if code is None else Region.parent_code == code)
    return list(session.scalars(stmt))


def regions_at(session: Session, levels: Iterable[str]) -> list[Region]:
    """Return every region at the given levels."""
    return list(
        session.scalars(select(Region).where(Region.level.in_(list(levels))).order_by(Region.code))
    )


def source_regions(session: Session, source_ids: Iterable[int]) -> dict[int, str]:
    """Map source ids to their default region codes (sources without one are left out)."""
    ids = list(set(source_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(Source.id, Source.default_region_code).where(
            Source.id.in_(ids), Source.default_region_code.is_not(None)
        )
    )
    return {sid: code for sid, code in rows if code}


def replace_text_regions(session: Session, post_ids: list[int], rows: list[dict[str, Any]]) -> None:
    """Replace the text-matched tags of posts; declared tags stay (re-tagging is idempotent).

    A row for a region the post already carries (declared by its sender or source) is
    skipped, so a declaration is never overwritten by a text match of the same region.
    """
    if not post_ids:
        return
    session.execute(
        delete(PostRegion).where(PostRegion.post_id.in_(post_ids), PostRegion.origin == "text")
    )
    if rows:
        insert_fn = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        # executemany of one cached statement (a literal VALUES list compiled anew per page).
        session.execute(insert_fn(PostRegion).on_conflict_do_nothing(), list(rows))
    session.flush()


def post_regions(session: Session, post_id: int) -> list[PostRegion]:
    """Return the region tags of one post."""
    stmt = select(PostRegion).where(PostRegion.post_id == post_id).order_by(PostRegion.region_code)
    return list(session.scalars(stmt))


def upsert_ikp(session: Session, scores: dict[str, float], now: datetime) -> None:
    """Store imported IKP scores, replacing earlier ones for the same regions."""
    for code, score in scores.items():
        row = session.get(IkpScore, code)
        if row is None:
            session.add(IkpScore(region_code=code, score=score, imported_at=now))
        else:
            row.score = score
            row.imported_at = now
    session.flush()


def ikp_scores(session: Session) -> dict[str, float]:
    """Return every imported IKP score by region code."""
    return {c: s for c, s in session.execute(select(IkpScore.region_code, IkpScore.score))}


# --- Region figures -------------------------------------------------------------------


def _in_region(code: str) -> ColumnElement[bool]:
    sub = select(PostRegion.post_id).where(region_match(PostRegion.region_code, (code,)))
    return Post.id.in_(sub)


def _period(since: datetime, until: datetime) -> list[ColumnElement[bool]]:
    return [since <= POST_TIME, until > POST_TIME]


def flagged_rows(
    session: Session, principal: Principal, code: str, since: datetime, until: datetime
) -> Sequence[Row[Any]]:
    """Posts the model flagged or a reviewer decided, in a region and period.

    Rows: id, model labels, review status, standing review's labels (reviewer labels win),
    time. Dismissed posts are included so their count can be shown; callers drop them from
    the flagged figures.
    """
    stmt = (
        select(Post.id, Post.labels, Post.review_status, Review.labels, POST_TIME)
        .outerjoin(Review, STANDING_REVIEW)
        .where(or_(Post.flagged.is_(True), Post.review_status.in_(DECIDED)))
        .where(_in_region(code), visible_posts(principal), *_period(since, until))
    )
    return session.execute(stmt).all()


def post_volume(
    session: Session, principal: Principal, code: str, since: datetime, until: datetime
) -> int:
    """Count posts collected in a region and period (flagged or not)."""
    stmt = select(func.count(Post.id)).where(
        _in_region(code), visible_posts(principal), *_period(since, until)
    )
    return int(session.scalar(stmt) or 0)


def top_clusters(
    session: Session, principal: Principal, code: str, since: datetime, until: datetime, n: int
) -> Sequence[Row[Any]]:
    """Clusters with the most flagged posts in the region and period."""
    count = func.count(Post.id).label("posts")
    stmt = (
        select(Cluster.id, Cluster.size, Cluster.growth_rate, Cluster.n_regions, count)
        .join(Post, Post.cluster_id == Cluster.id)
        .where(EFFECTIVE_FLAGGED, _in_region(code), visible_posts(principal))
        .where(*_period(since, until))
        .group_by(Cluster.id, Cluster.size, Cluster.growth_rate, Cluster.n_regions)
        .order_by(count.desc(), Cluster.id)
        .limit(n)
    )
    return session.execute(stmt).all()


def top_sources(
    session: Session, principal: Principal, code: str, since: datetime, until: datetime, n: int
) -> Sequence[Row[Any]]:
    """Sources with the most flagged posts in the region and period."""
    count = func.count(Post.id).label("posts")
    stmt = (
        select(Source.id, Source.name, count)
        .join(Post, Post.source_id == Source.id)
        .where(EFFECTIVE_FLAGGED, _in_region(code), visible_posts(principal))
        .where(*_period(since, until))
        .group_by(Source.id, Source.name)
        .order_by(count.desc(), Source.id)
        .limit(n)
    )
    return session.execute(stmt).all()


def tagged_rows_below(
    session: Session, principal: Principal, code: str, since: datetime, until: datetime
) -> Sequence[Row[Any]]:
    """(post id, region code, flagged, review status) for tags strictly below a region."""
    stmt = (
        select(
            PostRegion.post_id,
            PostRegion.region_code,
            EFFECTIVE_FLAGGED.label("flagged"),
            Post.review_status,
        )
        .join(Post, Post.id == PostRegion.post_id)
        .where(PostRegion.region_code.like(code + ".%"), visible_posts(principal))
        .where(*_period(since, until))
    )
    return session.execute(stmt).all()


def volume_by_key(
    session: Session, principal: Principal, key_len: int, since: datetime, until: datetime
) -> dict[str, int]:
    """Distinct posts per region prefix of `key_len` characters (2 province, 5 kab/kota)."""
    return _count_by_key(session, principal, key_len, since, until)


def _count_by_key(
    session: Session,
    principal: Principal,
    key_len: int,
    since: datetime,
    until: datetime,
    *where: ColumnElement[bool],
) -> dict[str, int]:
    key = func.substr(PostRegion.region_code, 1, key_len)
    stmt = (
        select(key, func.count(func.distinct(PostRegion.post_id)))
        .join(Post, Post.id == PostRegion.post_id)
        .where(func.length(PostRegion.region_code) >= key_len, visible_posts(principal))
        .where(*_period(since, until), *where)
        .group_by(key)
    )
    return {k: int(n) for k, n in session.execute(stmt)}


def confirmed_by_key(
    session: Session, principal: Principal, key_len: int, since: datetime, until: datetime
) -> Sequence[Row[Any]]:
    """(region prefix, post id, labels) for confirmed posts: the reviewer's labels win."""
    key = func.substr(PostRegion.region_code, 1, key_len)
    stmt = (
        select(key, Post.id, func.coalesce(Review.labels, Post.labels))
        .join(Post, Post.id == PostRegion.post_id)
        .outerjoin(Review, STANDING_REVIEW)
        .where(func.length(PostRegion.region_code) >= key_len, visible_posts(principal))
        .where(Post.review_status == "confirmed", *_period(since, until))
        .distinct()
    )
    return session.execute(stmt).all()


def flagged_by_key(
    session: Session, principal: Principal, key_len: int, since: datetime, until: datetime
) -> dict[str, int]:
    """Distinct flagged posts (dismissed ones not, reviewer-confirmed ones too) per prefix."""
    return _count_by_key(session, principal, key_len, since, until, EFFECTIVE_FLAGGED)
