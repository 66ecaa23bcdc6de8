"""Reviewer labels win: a post's standing labels are its reviewer's where one decided.

Every figure a person reads (region figures, rankings, the map, alerts, exports, webhooks)
counts a post by these rules, so a relabel or a dismissal changes the numbers at once:
- confirmed or escalated: the labels of the standing (not superseded) review;
- dismissed: no labels, and the post no longer counts as flagged;
- otherwise (new, claimed): the model's labels and flag.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from monitor.posts.models import Post
from monitor.reviews.models import Review

DECIDED: tuple[str, ...] = ("confirmed", "escalated")
REVIEWER = "reviewer"
MODEL = "model"

# Flagged as a person should count it: decided by a reviewer, or flagged by the model and
# not dismissed. A post the model missed but a reviewer confirmed counts too.
EFFECTIVE_FLAGGED: ColumnElement[bool] = or_(
    Post.review_status.in_(DECIDED),
    and_(Post.flagged.is_(True), Post.review_status != "dismissed"),
)

# Outer-join condition for the standing review whose labels count (NULL where none counts).
STANDING_REVIEW: ColumnElement[bool] = and_(
    Review.post_id == Post.id,
    Review.superseded.is_(False),
    Post.review_status.in_(DECIDED),
)


def standing_labels(
    model_labels: Iterable[str] | None, status: str | None, reviewed: Iterable[str] | None
) -> tuple[list[str], str]:
    """Return (labels, who decided them: 'reviewer' or 'model') for one post."""
    if status in DECIDED:
        # A status set without a stored review (bulk imports, old rows) keeps the model's.
        labels = reviewed if reviewed is not None else model_labels
        return list(labels or []), REVIEWER
    if status == "dismissed":
        return [], REVIEWER
    return list(model_labels or []), MODEL


def split(sources: Iterable[str]) -> dict[str, int]:
    """Count how many of some posts' labels a reviewer decided and how many the model gave."""
    out = {REVIEWER: 0, MODEL: 0}
    for s in sources:
        out[s] += 1
    return out


def as_json(labels: Any) -> list[str]:
    """Normalise a JSON labels value from a row (None, list) to a list of strings."""
    return [str(x) for x in labels] if isinstance(labels, list) else []
