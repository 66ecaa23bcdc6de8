"""Every query of the scoring job: claim pending posts, store predictions, find the model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session, aliased

from monitor.modelversions.models import ModelVersion
from monitor.posts.language import CLASSIFIABLE
from monitor.posts.models import Post
from monitor.predictions.models import Prediction


@dataclass(frozen=True)
class Pending:
    """A post leased for scoring."""

    id: int
    title: str | None
    text: str


def promoted_version(session: Session) -> str | None:
    """Return the version string of the promoted model, if any."""
    return session.scalar(select(ModelVersion.version).where(ModelVersion.is_promoted.is_(True)))


def pending(version: str, rescore_since: datetime) -> ColumnElement[bool]:
    """Posts the current model should score: never scored, or recent and scored by another."""
    return and_(
        Post.language.in_(CLASSIFIABLE),
        # Exact copies are represented by their first stored post; scoring it covers them.
        Post.duplicate_of_id.is_(None),
        or_(
            Post.classified_at.is_(None),
            and_(Post.model_version != version, Post.fetched_at >= rescore_since),
        ),
    )


def count_pending(session: Session, version: str, rescore_since: datetime) -> int:
    """Return how many posts wait for scoring."""
    return int(session.scalar(select(func.count()).where(pending(version, rescore_since))) or 0)


def count_unscored(session: Session) -> int:
    """Return how many classifiable posts have never been scored."""
    stmt = select(func.count()).where(
        Post.language.in_(CLASSIFIABLE),
        Post.duplicate_of_id.is_(None),
        Post.classified_at.is_(None),
    )
    return int(session.scalar(stmt) or 0)


def claim(
    session: Session,
    *,
    version: str,
    rescore_since: datetime,
    worker: str,
    now: datetime,
    until: datetime,
    limit: int,
) -> list[Pending]:
    """Lease up to `limit` pending posts to `worker`, unscored first, newest first."""
    unleased = or_(Post.score_lease_expires_at.is_(None), Post.score_lease_expires_at < now)
    stmt = (
        select(Post.id, Post.title, Post.text)
        .where(pending(version, rescore_since), unleased)
        .order_by(Post.classified_at.is_not(None), Post.id.desc())
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Why SKIP LOCKED: concurrent workers each take different rows instead of queueing.
        stmt = stmt.with_for_update(skip_locked=True, of=Post)
    rows = [Pending(r.id, r.title, r.text) for r in session.execute(stmt)]
    if rows:
        session.execute(
            update(Post)
            .where(Post.id.in_([r.id for r in rows]))
            .values(score_lease_owner=worker, score_lease_expires_at=until)
            .execution_options(synchronize_session=False)
        )
    return rows


def still_leased(session: Session, ids: Sequence[int], worker: str) -> set[int]:
    """Return which of the posts this worker still holds (a lost lease means another scores it)."""
    stmt = select(Post.id).where(Post.id.in_(list(ids)), Post.score_lease_owner == worker)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return set(session.scalars(stmt))


def replace_predictions(
    session: Session, ids: Sequence[int], version: str, rows: Sequence[dict[str, Any]]
) -> None:
    """Replace the predictions of `version` for the posts (idempotent on retries)."""
    if not ids:
        return
    session.execute(
        delete(Prediction)
        .where(Prediction.post_id.in_(list(ids)), Prediction.model_version == version)
        .execution_options(synchronize_session=False)
    )
    for start in range(0, len(rows), 1000):
        session.execute(insert(Prediction), list(rows[start : start + 1000]))


def update_posts(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Write the denormalised classification columns (each dict carries its `id`)."""
    if rows:
        session.execute(update(Post), list(rows))


def release(session: Session, ids: Sequence[int], worker: str) -> None:
    """Give leased posts back without scoring them."""
    if ids:
        session.execute(
            update(Post)
            .where(Post.id.in_(list(ids)), Post.score_lease_owner == worker)
            .values(score_lease_owner=None, score_lease_expires_at=None)
            .execution_options(synchronize_session=False)
        )


def release_all(session: Session) -> None:
    """Drop every scoring lease (SQLite start-up: the only process holding them has died)."""
    session.execute(
        update(Post)
        .where(Post.score_lease_owner.is_not(None))
        .values(score_lease_owner=None, score_lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )


def card_thresholds(session: Session, version: str) -> dict[str, float]:
    """Return a model version's per-label thresholds from its card ({} without a card)."""
    card = session.scalar(select(ModelVersion.card).where(ModelVersion.version == version))
    raw = (card or {}).get("thresholds") or {}
    if not isinstance(raw, dict):
        return {}
    return {
        str(k): float(v)
        for k, v in raw.items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }


def disagreeing(session: Session, ids: Sequence[int]) -> set[int]:
    """Return the posts on which two model versions disagree about some label's flag."""
    if not ids:
        return set()
    a, b = aliased(Prediction), aliased(Prediction)
    pair = and_(
        b.post_id == a.post_id,
        b.label == a.label,
        b.model_version != a.model_version,
        b.flagged != a.flagged,
    )
    query = select(a.post_id).join(b, pair).where(a.post_id.in_(list(ids))).distinct()
    return set(session.scalars(query))


def current_scores(session: Session, ids: Sequence[int]) -> list[tuple[int, str, str, float]]:
    """Return (post id, version, label, score) of each post's current-version predictions."""
    if not ids:
        return []
    query = (
        select(Prediction.post_id, Prediction.model_version, Prediction.label, Prediction.score)
        .join(Post, Post.id == Prediction.post_id)
        .where(Prediction.post_id.in_(list(ids)), Prediction.model_version == Post.model_version)
    )
    return [(int(i), str(v), str(lab), float(sc)) for i, v, lab, sc in session.execute(query)]
