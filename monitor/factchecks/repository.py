"""Every query on `factchecks`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Row, func, select, tuple_
from sqlalchemy.orm import Session

from monitor.factchecks.models import FactCheck
from monitor.posts.models import Post
from monitor.predictions.models import Prediction


def by_keys(session: Session, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], FactCheck]:
    """Return existing fact-checks by (publisher, external id)."""
    wanted = list(keys)
    found: dict[tuple[str, str], FactCheck] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.scalars(
            select(FactCheck).where(tuple_(FactCheck.publisher, FactCheck.external_id).in_(chunk))
        )
        found.update({(r.publisher, r.external_id): r for r in rows})
    return found


def after_id(session: Session, last_id: int, limit: int = 5000) -> Sequence[FactCheck]:
    """Return fact-checks with an id above last_id, oldest first (incremental indexing)."""
    stmt = select(FactCheck).where(FactCheck.id > last_id).order_by(FactCheck.id).limit(limit)
    return session.scalars(stmt).all()


def all_rows(
    session: Session,
) -> Sequence[Row[tuple[int, str, str, str, str | None, str | None, str | None]]]:
    """Return (id, publisher, external id, title, url, claim, verdict) of every fact-check by id."""
    cols = (
        FactCheck.id,
        FactCheck.publisher,
        FactCheck.external_id,
        FactCheck.title,
        FactCheck.url,
        FactCheck.claim,
        FactCheck.verdict,
    )
    return session.execute(select(*cols).order_by(FactCheck.id)).all()


def count_and_max_id(session: Session) -> tuple[int, int]:
    """Return how many fact-checks exist and the largest id (0 when empty)."""
    count, max_id = session.execute(select(func.count(FactCheck.id), func.max(FactCheck.id))).one()
    return int(count or 0), int(max_id or 0)


def recent(session: Session, limit: int = 20, publisher: str | None = None) -> Sequence[FactCheck]:
    """Return the newest fact-checks, optionally of one publisher."""
    stmt = select(FactCheck).order_by(FactCheck.id.desc()).limit(limit)
    if publisher is not None:
        stmt = stmt.where(FactCheck.publisher == publisher)
    return session.scalars(stmt).all()


def get(session: Session, pk: int) -> FactCheck | None:
    """Return one fact-check by database id."""
    return session.get(FactCheck, pk)


def text_length(session: Session, up_to_id: int) -> int:
    """Return the total length of titles and claims of rows with id <= up_to_id.

    A cheap fingerprint: an in-place edit of indexed text almost always changes it.
    """
    total = func.length(FactCheck.title) + func.length(func.coalesce(FactCheck.claim, ""))
    return int(session.scalar(select(func.sum(total)).where(FactCheck.id <= up_to_id)) or 0)


def recent_scored_posts(
    session: Session, since: datetime, after_id: int = 0, limit: int = 500
) -> Sequence[Row[tuple[int, str | None, str, str | None]]]:
    """Return (id, title, text, model_version) of posts scored and fetched since, by id."""
    stmt = (
        select(Post.id, Post.title, Post.text, Post.model_version)
        .where(Post.fetched_at >= since, Post.classified_at.is_not(None), Post.id > after_id)
        .order_by(Post.id)
        .limit(limit)
    )
    return session.execute(stmt).all()


def hoax_predictions(session: Session, post_ids: Sequence[int]) -> dict[int, Prediction]:
    """Return each post's `hoax` prediction of its current model version."""
    stmt = (
        select(Prediction)
        .join(Post, Post.id == Prediction.post_id)
        .where(
            Prediction.post_id.in_(list(post_ids)),
            Prediction.label == "hoax",
            Prediction.model_version == Post.model_version,
        )
    )
    return {p.post_id: p for p in session.scalars(stmt)}


def posts_by_id(session: Session, post_ids: Sequence[int]) -> dict[int, Post]:
    """Return posts by id."""
    return {p.id: p for p in session.scalars(select(Post).where(Post.id.in_(list(post_ids))))}
