"""The researcher API's database reads (every query it runs; takes a Session, never commits)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from monitor.modelversions.models import ModelVersion
from monitor.posts.models import Post, PostRegion
from monitor.predictions.models import Prediction
from monitor.regions.models import Region
from monitor.reviews.models import Review
from monitor.sources.models import Source

TRAINING_DECISIONS = ("confirm", "dismiss")


def decisions(session: Session, review_ids: Collection[int] | None = None) -> Sequence[Row[Any]]:
    """(review id, post id, text, decision, labels) for current confirm/dismiss decisions.

    With `review_ids`, exactly those reviews (superseded or not): a snapshot's rows.
    """
    stmt = (
        select(Review.id, Post.id, Post.text, Review.decision, Review.labels)
        .join(Post, Post.id == Review.post_id)
        .order_by(Review.id)
    )
    if review_ids is None:
        stmt = stmt.where(Review.superseded.is_(False), Review.decision.in_(TRAINING_DECISIONS))
    else:
        stmt = stmt.where(Review.id.in_(list(review_ids)))
    return session.execute(stmt).all()


def provinces_of(session: Session, post_ids: Collection[int]) -> dict[int, list[str]]:
    """Province codes each post is tagged with (sorted)."""
    out: dict[int, set[str]] = {}
    ids = list(post_ids)
    for start in range(0, len(ids), 500):  # stay under parameter limits
        rows = session.execute(
            select(PostRegion.post_id, PostRegion.province_code).where(
                PostRegion.post_id.in_(ids[start : start + 500])
            )
        ).all()
        for pid, code in rows:
            out.setdefault(pid, set()).add(code)
    return {pid: sorted(codes) for pid, codes in out.items()}


def region_names(session: Session) -> dict[str, str]:
    """Region code -> name for every stored region."""
    return {code: name for code, name in session.execute(select(Region.code, Region.name)).all()}


def posts(session: Session, since: datetime | None = None) -> Sequence[Row[Any]]:
    """(id, time, source name, platform, labels, flagged, max score, model, review status)."""
    stmt = (
        select(
            Post.id,
            Post.fetched_at,
            Source.name,
            Post.platform,
            Post.labels,
            Post.flagged,
            Post.max_score,
            Post.model_version,
            Post.review_status,
        )
        .outerjoin(Source, Source.id == Post.source_id)
        .order_by(Post.id)
    )
    if since is not None:
        stmt = stmt.where(Post.fetched_at >= since)
    return session.execute(stmt).all()


def predictions(session: Session, model_version: str | None = None) -> Sequence[Row[Any]]:
    """(post id, label, score, flagged, model version, explanation) per stored prediction."""
    stmt = select(
        Prediction.post_id,
        Prediction.label,
        Prediction.score,
        Prediction.flagged,
        Prediction.model_version,
        Prediction.explanation,
    ).order_by(Prediction.post_id, Prediction.label)
    if model_version is not None:
        stmt = stmt.where(Prediction.model_version == model_version)
    return session.execute(stmt).all()


def reviews(session: Session) -> Sequence[Row[Any]]:
    """(id, post id, reviewer, decision, labels, superseded, time, inherited?) for every review."""
    return session.execute(
        select(
            Review.id,
            Review.post_id,
            Review.reviewer_name,
            Review.decision,
            Review.labels,
            Review.superseded,
            Review.created_at,
            Review.inherited_from_review_id,
        ).order_by(Review.id)
    ).all()


def post_texts(session: Session, post_ids: Collection[int]) -> dict[int, str]:
    """Post id -> text."""
    ids = list(post_ids)
    out: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(Post.id, Post.text).where(Post.id.in_(ids[start : start + 500]))
        ).all()
        out.update({pid: text for pid, text in rows})
    return out


def model_version(session: Session, version: str) -> ModelVersion | None:
    """Return one registered version."""
    return session.get(ModelVersion, version)
