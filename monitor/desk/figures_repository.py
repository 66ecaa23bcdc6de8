"""Every query behind the region figures: reviewer labels win where a reviewer decided."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, func, or_, select
from sqlalchemy.orm import Session

from monitor.clusters.models import Cluster
from monitor.keys.principal import Principal
from monitor.posts.models import Post, PostRegion
from monitor.posts.scope import region_match, visible_posts
from monitor.reviews.effective import DECIDED, EFFECTIVE_FLAGGED, STANDING_REVIEW
from monitor.reviews.models import Review
from monitor.sources.models import Source

# The time a post counts at: when it was published, else when we collected it.
POST_TIME = func.coalesce(Post.published_at, Post.fetched_at)


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
