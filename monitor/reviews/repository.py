"""Every query on reviews, claims and the review state of posts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import CursorResult, bindparam, delete, select, text, update
from sqlalchemy.orm import Session, defer

from monitor.clusters.models import Cluster
from monitor.core.idlist import int_in
from monitor.keys.principal import Principal
from monitor.posts.models import Post
from monitor.posts.scope import visible_posts
from monitor.reviews.models import Claim, Review


def visible_post(
    session: Session, principal: Principal, post_id: int, *, raw: bool = True
) -> Post | None:
    """Return the post if it exists and is inside the caller's scope (else None, alike).

    `raw=False` leaves the platform payload (`Post.raw`, often kilobytes of JSON) unread
    until something touches it: the item detail never shows it.
    """
    stmt = select(Post).where(Post.id == post_id, visible_posts(principal))
    if not raw:
        stmt = stmt.options(defer(Post.raw))
    return session.scalar(stmt)


def current_review(session: Session, post_id: int) -> Review | None:
    """Return the post's standing decision."""
    return session.scalar(
        select(Review)
        .where(Review.post_id == post_id, Review.superseded.is_(False))
        .order_by(Review.id.desc())
        .limit(1)
    )


def standing_review_labels(session: Session, post_ids: Sequence[int]) -> dict[int, list[str]]:
    """Return the labels of each post's standing (not superseded) review, by post id."""
    if not post_ids:
        return {}
    rows = session.execute(
        select(Review.post_id, Review.labels).where(
            Review.post_id.in_(post_ids), Review.superseded.is_(False)
        )
    )
    return {pid: [str(x) for x in (labels or [])] for pid, labels in rows}


def history(session: Session, post_id: int) -> Sequence[Review]:
    """Return every decision on a post, oldest first."""
    return session.scalars(_HISTORY, {"post_id": post_id}).all()


# Built once, each call binding its values: an item detail runs these on every request, and
# a statement reused skips building and keying it again (see monitor.desk.detail).
_HISTORY = select(Review).where(Review.post_id == bindparam("post_id")).order_by(Review.id)
_LIVE_CLAIMS = select(Claim).where(
    Claim.post_id.in_(bindparam("post_ids", expanding=True)),
    Claim.expires_at > bindparam("now"),
)


def supersede(session: Session, post_ids: Sequence[int]) -> None:
    """Mark the standing decisions of these posts as superseded."""
    if post_ids:
        session.execute(
            update(Review)
            .where(Review.post_id.in_(post_ids), Review.superseded.is_(False))
            .values(superseded=True)
        )


def add_review(session: Session, review: Review) -> Review:
    """Store a decision and assign its id."""
    session.add(review)
    session.flush()
    return review


def swap_status(session: Session, post_id: int, expected: str, new: str) -> bool:
    """Set a post's status only if it still is `expected` (optimistic concurrency)."""
    result = session.execute(
        update(Post)
        .where(Post.id == post_id, Post.review_status == expected)
        .values(review_status=new)
        .execution_options(synchronize_session=False)
    )
    return isinstance(result, CursorResult) and result.rowcount == 1


def set_status(session: Session, post_ids: Sequence[int], status: str) -> None:
    """Set the review status of several posts."""
    if post_ids:
        session.execute(
            update(Post)
            .where(Post.id.in_(post_ids))
            .values(review_status=status)
            .execution_options(synchronize_session=False)
        )


def claim_of(session: Session, post_id: int) -> Claim | None:
    """Return the claim row on a post, live or expired."""
    return session.scalar(select(Claim).where(Claim.post_id == post_id))


def renew_claim(
    session: Session, post_id: int, key_id: int, now: datetime, expires_at: datetime
) -> bool:
    """Take over an expired claim or extend one's own; False when someone else holds it."""
    result = session.execute(
        update(Claim)
        .where(Claim.post_id == post_id, (Claim.key_id == key_id) | (Claim.expires_at <= now))
        .values(key_id=key_id, claimed_at=now, expires_at=expires_at)
        .execution_options(synchronize_session=False)
    )
    return isinstance(result, CursorResult) and result.rowcount == 1


def insert_claim(session: Session, claim: Claim) -> None:
    """Insert a new claim (raises IntegrityError if another appeared meanwhile)."""
    session.add(claim)
    session.flush()


def drop_claim(session: Session, post_id: int, key_id: int | None = None) -> bool:
    """Delete the claim on a post (only the holder's when key_id is given)."""
    query = delete(Claim).where(Claim.post_id == post_id)
    if key_id is not None:
        query = query.where(Claim.key_id == key_id)
    result = session.execute(query.execution_options(synchronize_session=False))
    return isinstance(result, CursorResult) and result.rowcount > 0


def live_claims(session: Session, post_ids: Sequence[int], now: datetime) -> dict[int, Claim]:
    """Return unexpired claims on these posts."""
    if not post_ids:
        return {}
    rows = session.scalars(_LIVE_CLAIMS, {"post_ids": list(post_ids), "now": now})
    return {c.post_id: c for c in rows}


def cluster(session: Session, cluster_id: int) -> Cluster | None:
    """Return a cluster row."""
    return session.get(Cluster, cluster_id)


def decided_clusters(session: Session, cluster_ids: Sequence[int]) -> dict[int, int]:
    """Return, for the clusters among these that carry a decision, its review id."""
    if not cluster_ids:
        return {}
    stmt = select(Cluster.id, Cluster.decision_review_id).where(
        int_in(Cluster.id, cluster_ids, session.get_bind().dialect.name),
        Cluster.decision.is_not(None),
        Cluster.decision_review_id.is_not(None),
    )
    return {int(c): int(r) for c, r in session.execute(stmt)}


def cluster_members_to_inherit(session: Session, cluster_id: int, exclude: int) -> list[int]:
    """Posts of a cluster with no decision of their own (new, or only inherited ones)."""
    own = (
        select(Review.post_id)
        .where(
            Review.superseded.is_(False),
            Review.inherited_from_review_id.is_(None),
            Review.post_id == Post.id,
        )
        .exists()
    )
    return list(
        session.scalars(
            select(Post.id).where(Post.cluster_id == cluster_id, Post.id != exclude, ~own)
        )
    )


def inherited_members(session: Session, cluster_id: int) -> list[int]:
    """Posts of a cluster whose standing decision was inherited from the cluster."""
    return list(
        session.scalars(
            select(Review.post_id)
            .join(Post, Post.id == Review.post_id)
            .where(
                Post.cluster_id == cluster_id,
                Review.superseded.is_(False),
                Review.inherited_from_review_id.is_not(None),
            )
        )
    )


def take_write_lock(session: Session) -> None:
    """On SQLite, take the database write lock now; call it first in a fresh transaction.

    Why: SQLite cannot turn a read transaction into a write once another writer has
    committed since it began (SQLITE_BUSY_SNAPSHOT, reported at once as "database is
    locked"), so two reviewers deciding *different* items at the same moment would see a
    spurious conflict. A write as the first statement waits for the lock (busy timeout)
    instead. The edge ends the previous transaction (`api.deps.begin_review_write`); this
    never commits. PostgreSQL has row locks and needs none of this.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    session.execute(text("UPDATE claims SET post_id = post_id WHERE 0"))
