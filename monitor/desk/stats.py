"""Queue figures: size by label, reviewed today, median time to decision (all within scope)."""

from __future__ import annotations

import statistics
from datetime import timedelta

from pydantic import BaseModel, Field
from sqlalchemy import func, literal, select
from sqlalchemy.orm import Session

from classifiers.contracts import LABELS
from monitor.core.base import UTCDateTime, utcnow
from monitor.desk import queue
from monitor.keys.principal import Principal
from monitor.posts.models import Post
from monitor.posts.scope import visible_posts
from monitor.reviews.models import Review

_MEDIAN_SAMPLE = 5000


class StatsOut(BaseModel):
    """Headline review figures."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "queue_total": 312,
                    "queue_by_label": {
                        "hoax": 120,
                        "black_campaign": 80,
                        "money_politics": 70,
                        "identity_politics": 60,
                    },
                    "reviewed_today": 145,
                    "median_seconds_to_decision": 5400.0,
                    "decisions_sampled": 900,
                }
            ]
        }
    }

    queue_total: int = Field(description="Flagged items awaiting review")
    queue_by_label: dict[str, int]
    reviewed_today: int = Field(description="Items decided since 00:00 UTC (own decisions)")
    median_seconds_to_decision: float | None = Field(
        description="From collection to decision, over the last 7 days"
    )
    decisions_sampled: int


def stats(session: Session, principal: Principal) -> StatsOut:
    """Compute the figures for the caller's scope."""
    waiting = queue.ItemFilters(statuses=("new",))
    by_label = {
        label: queue.count(
            session, principal, queue.ItemFilters(statuses=("new",), labels=(label,))
        )
        for label in LABELS
    }
    now = utcnow()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    own = (Review.inherited_from_review_id.is_(None), visible_posts(principal))
    reviewed_today = session.scalar(
        select(func.count(func.distinct(Review.post_id)))
        .join(Post, Post.id == Review.post_id)
        .where(Review.created_at >= literal(midnight, UTCDateTime()), *own)
    )
    rows = session.execute(
        select(Review.created_at, Post.fetched_at)
        .join(Post, Post.id == Review.post_id)
        .where(Review.created_at >= literal(now - timedelta(days=7), UTCDateTime()), *own)
        .order_by(Review.created_at.desc())
        .limit(_MEDIAN_SAMPLE)
    ).all()
    waits = [max(0.0, (decided - fetched).total_seconds()) for decided, fetched in rows]
    return StatsOut(
        queue_total=queue.count(session, principal, waiting),
        queue_by_label=by_label,
        reviewed_today=int(reviewed_today or 0),
        median_seconds_to_decision=statistics.median(waits) if waits else None,
        decisions_sampled=len(waits),
    )
