"""One item in full: predictions, debunk, cluster siblings, regions, reviews, case file."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from monitor.audit import service as audit
from monitor.clusters.models import Cluster
from monitor.clusters.scoped import figures as scoped_figures
from monitor.core.base import utcnow
from monitor.desk import queue
from monitor.desk.views import (
    ClaimInfo,
    ClusterSummary,
    ItemDetail,
    ItemSummary,
    PredictionOut,
    RegionOut,
    SiblingOut,
    summary,
)
from monitor.keys.models import ApiKey
from monitor.keys.principal import Principal
from monitor.posts.models import Post, PostRegion
from monitor.posts.scope import visible_posts
from monitor.predictions.models import Prediction
from monitor.regions.models import Region
from monitor.reviews import repository as reviews
from monitor.reviews.service import review_out

MAX_SIBLINGS = 20

# Built once, each request binding its post id. Why: building an item detail's SELECTs and
# their cache keys anew was about a tenth of its API CPU; a statement reused keeps its
# memoised cache key, so SQLAlchemy goes straight to the compiled form (as the queue pages).
_PREDICTIONS = (
    select(Prediction).where(Prediction.post_id == bindparam("post_id")).order_by(Prediction.id)
)
_REGION_DETAILS = (
    select(PostRegion, Region.name)
    .join(Region, Region.code == PostRegion.region_code, isouter=True)
    .where(PostRegion.post_id == bindparam("post_id"))
    .order_by(PostRegion.region_code)
)


def summaries(
    session: Session, posts: list[Post], regions: dict[int, list[str]] | None = None
) -> list[ItemSummary]:
    """Return queue rows with regions and live claims, in two batched queries.

    `regions`: each post's codes when the caller already read them (one query fewer).
    """
    ids = [p.id for p in posts]
    if regions is None:
        regions = queue.regions_of(session, ids)
    claims = reviews.live_claims(session, ids, utcnow())
    names = _key_names(session, {c.key_id for c in claims.values()})
    return [
        summary(
            p,
            regions[p.id],
            ClaimInfo(
                claimed_by=names.get(claims[p.id].key_id, "?"), expires_at=claims[p.id].expires_at
            )
            if p.id in claims
            else None,
        )
        for p in posts
    ]


def _key_names(session: Session, key_ids: set[int]) -> dict[int, str]:
    if not key_ids:
        return {}
    # .all(): a Result has .keys(), so dict() would take it for a mapping and fail.
    rows = session.execute(select(ApiKey.id, ApiKey.name).where(ApiKey.id.in_(key_ids)))
    return dict(rows.tuples().all())


def predictions(session: Session, post: Post) -> list[Prediction]:
    """Return the post's predictions, current model version first."""
    rows = session.scalars(_PREDICTIONS, {"post_id": post.id}).all()
    return sorted(rows, key=lambda p: (p.model_version != post.model_version, p.label))


def _debunk(preds: list[Prediction]) -> dict[str, Any] | None:
    for p in preds:
        match = (p.explanation or {}).get("factcheck")
        if isinstance(match, dict):
            return match
    return None


def cluster_summary(session: Session, principal: Principal, post: Post) -> ClusterSummary | None:
    """Summarise the post's cluster; sizes and siblings count only posts the caller may see."""
    if post.cluster_id is None:
        return None
    cluster = session.get(Cluster, post.cluster_id)
    if cluster is None:
        return None
    in_scope = (Post.cluster_id == cluster.id, visible_posts(principal))
    # Plain columns, not Post objects: up to 20 siblings, each only named and linked.
    siblings = session.execute(
        select(Post.id, Post.platform, Post.url, Post.author, Post.fetched_at, Post.review_status)
        .where(*in_scope, Post.id != post.id)
        .order_by(Post.id)
        .limit(MAX_SIBLINGS)
    ).all()
    size = (
        int(session.scalar(select(func.count()).select_from(Post).where(*in_scope)) or 0)
        if principal.region_limited
        else cluster.size
    )
    return ClusterSummary(
        id=cluster.id,
        size=size,
        first_seen=cluster.first_seen,
        last_seen=cluster.last_seen,
        # A liaison sees the growth of the copies in their regions (issue 13), not a flat 0.0
        # (issue 14: "0.0 salinan/jam" for a cluster growing at 7 an hour).
        growth_rate=(
            scoped_figures(session, [cluster.id], principal.regions)[cluster.id].growth_rate
            if principal.region_limited
            else cluster.growth_rate
        ),
        decision=cluster.decision,
        siblings=[
            SiblingOut(
                id=s.id,
                platform=s.platform,
                url=s.url,
                author=s.author,
                fetched_at=s.fetched_at,
                review_status=s.review_status,
            )
            for s in siblings
        ],
    )


def region_details(session: Session, post_id: int) -> list[RegionOut]:
    """Return the post's regions with names and evidence."""
    rows = session.execute(_REGION_DETAILS, {"post_id": post_id}).all()
    return [
        RegionOut(code=r.region_code, name=name, origin=r.origin, evidence=r.evidence)
        for r, name in rows
    ]


def item_detail(session: Session, principal: Principal, post_id: int) -> ItemDetail | None:
    """Return the full item, or None when it is missing or outside the caller's scope."""
    post = reviews.visible_post(session, principal, post_id, raw=False)
    if post is None:
        return None
    preds = predictions(session, post)
    # The row's codes come from the region details (same rows, sorted by code alike).
    places = region_details(session, post.id)
    return ItemDetail(
        item=summaries(session, [post], {post.id: [r.code for r in places]})[0],
        full_text=post.text,
        language=post.language,
        content_hash=post.content_hash,
        model_version=post.model_version,
        predictions=[_prediction_out(p) for p in preds],
        debunk=_debunk(preds),
        cluster=cluster_summary(session, principal, post),
        region_details=places,
        reviews=[review_out(r) for r in reviews.history(session, post.id)],
    )


def _prediction_out(p: Prediction) -> PredictionOut:
    return PredictionOut(
        label=p.label,
        score=p.score,
        flagged=p.flagged,
        model_version=p.model_version,
        explanation=p.explanation or {},
        created_at=p.created_at,
    )


def casefile(session: Session, principal: Principal, post_id: int) -> dict[str, Any] | None:
    """Return the evidence bundle for one item, with a sha256 over its canonical JSON."""
    post = reviews.visible_post(session, principal, post_id)
    if post is None:
        return None
    preds = predictions(session, post)
    body: dict[str, Any] = {
        "generated_at": utcnow().isoformat(),
        "generated_by": principal.actor,
        "post": {
            "id": post.id,
            "platform": post.platform,
            "external_id": post.external_id,
            "source_id": post.source_id,
            "url": post.url,
            "canonical_url": post.canonical_url,
            "author": post.author,
            "title": post.title,
            "text": post.text,
            "language": post.language,
            "published_at": post.published_at.isoformat() if post.published_at else None,
            "fetched_at": post.fetched_at.isoformat(),
            "content_hash": post.content_hash,
            "raw": post.raw,
            "review_status": post.review_status,
        },
        "regions": [r.model_dump() for r in region_details(session, post.id)],
        "predictions": [_prediction_out(p).model_dump(mode="json") for p in preds],
        "decisions": [
            review_out(r).model_dump(mode="json") for r in reviews.history(session, post.id)
        ],
        "audit_events": [
            {
                "id": e.id,
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "before": e.before,
                "after": e.after,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in audit.events_for(session, "post", str(post.id))
        ],
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    body["sha256"] = hashlib.sha256(canonical.encode()).hexdigest()
    return body
