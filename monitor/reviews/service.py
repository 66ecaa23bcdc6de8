"""Review actions: claim leases, decisions (optionally cluster-wide), bulk decisions, reverts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from monitor.audit import service as audit
from monitor.core.base import utcnow
from monitor.core.errors import Conflict, Forbidden, Invalid, NotFound, WaspadaError
from monitor.core.messages import Term
from monitor.keys.models import ApiKey
from monitor.keys.principal import Principal
from monitor.posts.models import Post
from monitor.reviews import repository as repo
from monitor.reviews.models import Claim, Review
from monitor.reviews.schemas import (
    STATUS_OF,
    BulkDecisionIn,
    BulkDecisionOut,
    BulkResult,
    ClaimOut,
    DecisionIn,
    DecisionOut,
    ReviewOut,
)

# Review errors are the shared domain errors; the edges translate them (status, message).
ReviewError = WaspadaError

NOT_FOUND = "error.no_item"


def review_out(review: Review) -> ReviewOut:
    """Return the API shape of a review."""
    return ReviewOut(
        id=review.id,
        decision=review.decision,
        labels=list(review.labels or []),
        reason=review.reason,
        note=review.note,
        escalation_target=review.escalation_target,
        reviewer=review.reviewer_name,
        inherited_from_review_id=review.inherited_from_review_id,
        superseded=review.superseded,
        created_at=review.created_at,
    )


def _holder(session: Session, key_id: int) -> str:
    key = session.get(ApiKey, key_id)
    return key.name if key else f"key {key_id}"


def claim(session: Session, principal: Principal, post_id: int, lease: timedelta) -> ClaimOut:
    """Lease an item to the caller (renewing its own lease); 409 while another holds it."""
    if principal.key_id is None:
        raise Forbidden("error.claims_need_key")
    if repo.visible_post(session, principal, post_id) is None:
        raise NotFound(NOT_FOUND)
    now = utcnow()
    expires = now + lease
    before = repo.claim_of(session, post_id)
    before_state = _claim_state(before)
    if before is None:
        try:
            with session.begin_nested():
                repo.insert_claim(
                    session,
                    Claim(
                        post_id=post_id, key_id=principal.key_id, claimed_at=now, expires_at=expires
                    ),
                )
        except IntegrityError:
            raise Conflict("error.claimed_just_now") from None
    elif not repo.renew_claim(session, post_id, principal.key_id, now, expires):
        raise Conflict(
            "error.claimed_by", holder=_holder(session, before.key_id), until=before.expires_at
        )
    audit.record(
        session,
        actor=principal.actor,
        action="review.claim",
        entity_type="post",
        entity_id=str(post_id),
        before=before_state,
        after={"key_id": principal.key_id, "expires_at": expires.isoformat()},
    )
    return ClaimOut(item_id=post_id, claimed_by=principal.name, claimed_at=now, expires_at=expires)


def _claim_state(c: Claim | None) -> dict[str, object] | None:
    if c is None:
        return None
    return {"key_id": c.key_id, "expires_at": c.expires_at.isoformat()}


def release(session: Session, principal: Principal, post_id: int) -> None:
    """Give up the caller's lease on an item (admins may release anyone's)."""
    if repo.visible_post(session, principal, post_id) is None:
        raise NotFound(NOT_FOUND)
    current = repo.claim_of(session, post_id)
    if current is None:
        return
    if current.key_id != principal.key_id and principal.role != "admin":
        raise Conflict("error.claimed_not_by_you", holder=_holder(session, current.key_id))
    before = _claim_state(current)
    repo.drop_claim(session, post_id)
    audit.record(
        session,
        actor=principal.actor,
        action="review.release",
        entity_type="post",
        entity_id=str(post_id),
        before=before,
        after=None,
    )


def decide(session: Session, principal: Principal, post_id: int, body: DecisionIn) -> DecisionOut:
    """Record a decision if the item is still in the status the reviewer saw; else 409."""
    post = repo.visible_post(session, principal, post_id)
    if post is None:
        raise NotFound(NOT_FOUND)
    now = utcnow()
    held = repo.claim_of(session, post_id)
    if held is not None and held.expires_at > now and held.key_id != principal.key_id:
        raise Conflict(
            "error.claimed_by", holder=_holder(session, held.key_id), until=held.expires_at
        )
    if body.apply_to_cluster:
        if post.cluster_id is None:
            raise Invalid("error.not_in_cluster")
        if principal.region_limited:
            raise Forbidden("error.cluster_needs_all_regions")
    new_status = STATUS_OF[body.action]
    previous = repo.current_review(session, post_id)
    if not repo.swap_status(session, post_id, body.expected_status, new_status):
        session.refresh(post, ["review_status"])
        raise _decided_first(session, post_id, post.review_status, body.expected_status)
    repo.supersede(session, [post_id])
    review = repo.add_review(
        session,
        Review(
            post_id=post_id,
            reviewer_key_id=principal.key_id,
            reviewer_name=principal.name,
            decision=body.action,
            labels=body.labels if body.labels is not None else list(post.labels or []),
            reason=body.reason,
            note=body.note,
            escalation_target=body.target,
            claimed_at=held.claimed_at if held is not None else None,
            created_at=now,
        ),
    )
    repo.drop_claim(session, post_id)
    audit.record(
        session,
        actor=principal.actor,
        action="review.decide",
        entity_type="post",
        entity_id=str(post_id),
        before={
            "status": body.expected_status,
            "review_id": previous.id if previous else None,
        },
        after={"status": new_status, **_review_state(review)},
    )
    applied = _apply_to_cluster(session, principal, post, review) if body.apply_to_cluster else []
    session.refresh(post, ["review_status"])
    return DecisionOut(
        item_id=post_id,
        status=new_status,
        review=review_out(review),
        cluster_applied=len(applied),
        cluster_item_ids=applied,
    )


def _decided_first(session: Session, post_id: int, status: str, expected: str) -> Conflict:
    """Say who decided the item first and when (in words, to the minute)."""
    winner = repo.current_review(session, post_id)
    terms = {"status": Term(f"status.{status}"), "expected": Term(f"status.{expected}")}
    if winner is None:
        return Conflict("error.decided_already", **terms)
    return Conflict("error.decided_by", who=winner.reviewer_name, when=winner.created_at, **terms)


def _review_state(review: Review) -> dict[str, object]:
    return {
        "review_id": review.id,
        "decision": review.decision,
        "labels": list(review.labels or []),
        "reason": review.reason,
        "note": review.note,
        "target": review.escalation_target,
        "inherited_from_review_id": review.inherited_from_review_id,
    }


def _apply_to_cluster(
    session: Session, principal: Principal, post: Post, review: Review
) -> list[int]:
    """Give every copy without its own decision an inherited one; later copies inherit too."""
    assert post.cluster_id is not None
    cluster = repo.cluster(session, post.cluster_id)
    if cluster is None:
        return []
    members = repo.cluster_members_to_inherit(session, post.cluster_id, exclude=post.id)
    _inherit(session, members, review)
    before = {"decision": cluster.decision, "decision_review_id": cluster.decision_review_id}
    cluster.decision = review.decision
    cluster.decision_review_id = review.id
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="cluster.decide",
        entity_type="cluster",
        entity_id=str(cluster.id),
        before=before,
        after={
            "decision": review.decision,
            "decision_review_id": review.id,
            "applied_to": members,
        },
    )
    return members


def _inherit(session: Session, post_ids: Sequence[int], source: Review) -> None:
    repo.supersede(session, post_ids)
    for pid in post_ids:
        session.add(
            Review(
                post_id=pid,
                reviewer_key_id=source.reviewer_key_id,
                reviewer_name=source.reviewer_name,
                decision=source.decision,
                labels=list(source.labels or []),
                reason=source.reason,
                note=source.note,
                escalation_target=source.escalation_target,
                inherited_from_review_id=source.id,
                created_at=utcnow(),
            )
        )
    repo.set_status(session, post_ids, STATUS_OF[source.decision])
    session.flush()


def revert_cluster(session: Session, principal: Principal, cluster_id: int) -> int:
    """Undo a cluster-wide decision: inherited decisions are superseded, copies return to new."""
    if principal.region_limited:
        raise Forbidden("error.cluster_needs_all_regions")
    cluster = repo.cluster(session, cluster_id)
    if cluster is None:
        raise NotFound("error.no_cluster")
    members = repo.inherited_members(session, cluster_id)
    repo.supersede(session, members)
    repo.set_status(session, members, "new")
    before = {"decision": cluster.decision, "decision_review_id": cluster.decision_review_id}
    cluster.decision = None
    cluster.decision_review_id = None
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="cluster.revert",
        entity_type="cluster",
        entity_id=str(cluster_id),
        before=before,
        after={"decision": None, "reverted": members},
    )
    return len(members)


def inherit_cluster_decisions(session: Session, posts: Sequence[Post]) -> None:
    """Arrival step: new copies of a decided cluster inherit its decision."""
    by_cluster: dict[int, list[int]] = {}
    for p in posts:
        if p.cluster_id is not None and p.review_status == "new":
            by_cluster.setdefault(p.cluster_id, []).append(p.id)
    # One query for the page: almost no cluster carries a decision.
    for cluster_id, review_id in repo.decided_clusters(session, sorted(by_cluster)).items():
        source = session.get(Review, review_id)
        if source is not None:
            _inherit(session, by_cluster[cluster_id], source)


def bulk_decide(session: Session, principal: Principal, body: BulkDecisionIn) -> BulkDecisionOut:
    """Apply each decision in its own savepoint; one failure never undoes the others."""
    results: list[BulkResult] = []
    for item in body.decisions:
        decision = DecisionIn.model_validate(item.model_dump(exclude={"id"}))
        try:
            with session.begin_nested():
                out = decide(session, principal, item.id, decision)
            results.append(BulkResult(id=item.id, status=200, result=out))
        except ReviewError as exc:
            results.append(BulkResult(id=item.id, status=exc.status, detail=exc.message()))
        except OperationalError:
            results.append(
                BulkResult(id=item.id, status=409, detail=Conflict(CONCURRENT).message())
            )
    ok = sum(1 for r in results if r.status == 200)
    return BulkDecisionOut(results=results, succeeded=ok, failed=len(results) - ok)


CONCURRENT = "error.concurrent"
