"""Row shapes of item and label exports."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.core.localtime import local_text, zone_of_regions
from monitor.posts.models import Post
from monitor.predictions.models import Prediction
from monitor.reviews.effective import standing_labels
from monitor.reviews.models import Review

CSV_COLUMNS = (
    "id", "platform", "source_id", "url", "author", "title", "text", "published_at",
    "fetched_at", "labels", "label_source", "model_labels", "max_score", "priority",
    "review_status", "cluster_id", "regions", "timezone", "published_local",
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", ";", "|")
# A separator inside a cell followed by a formula character: spreadsheets that split on
# semicolons (Indonesian-locale Excel) start a new cell there, and it runs as a formula.
_INNER_FORMULA = re.compile(r"([;,\t\r\n|]\s*)([=+\-@])")


def _cell(value: Any) -> Any:
    # Why: a cell starting with = + - @ runs as a formula in spreadsheet apps (CSV injection).
    if not isinstance(value, str):
        return value
    value = _INNER_FORMULA.sub(r"\1'\2", value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def item_record(
    post: Post, regions: list[str], reviewed: list[str] | None = None
) -> dict[str, Any]:
    """Return one item as a JSON-ready dict; `reviewed` is its standing review's labels."""
    # Reviewer labels win (issue 14): `labels` are the reviewer's where one decided (none if
    # dismissed), the model's elsewhere; `label_source` says which, `model_labels` keeps both.
    labels, source = standing_labels(post.labels, post.review_status, reviewed)
    return {
        "id": post.id,
        "platform": post.platform,
        "source_id": post.source_id,
        "url": post.url,
        "author": post.author,
        "title": post.title,
        "text": post.text,
        "published_at": post.published_at.isoformat() if post.published_at else None,
        "fetched_at": post.fetched_at.isoformat(),
        "labels": labels,
        "label_source": source,
        "model_labels": list(post.labels or []),
        "max_score": post.max_score,
        "priority": post.priority,
        "review_status": post.review_status,
        "cluster_id": post.cluster_id,
        "regions": regions,
        # Times above are ISO 8601 with their UTC offset; this is the same moment for people,
        # in WIB/WITA/WIT by the item's first region.
        "timezone": zone_of_regions(regions),
        "published_local": local_text(
            post.published_at or post.fetched_at, zone_of_regions(regions)
        ),
    }


def csv_row(post: Post, regions: list[str], reviewed: list[str] | None = None) -> list[Any]:
    """Return one item as a CSV row (lists joined with '|')."""
    record = item_record(post, regions, reviewed)
    record["labels"] = "|".join(record["labels"])
    record["model_labels"] = "|".join(record["model_labels"])
    record["regions"] = "|".join(regions)
    return [_cell(record[c]) for c in CSV_COLUMNS]


def label_records(session: Session, posts: Sequence[Post]) -> list[dict[str, Any]]:
    """Return reviewed posts with the standing human decision and the model's scores."""
    ids = [p.id for p in posts]
    current = {
        r.post_id: r
        for r in session.scalars(
            select(Review).where(Review.post_id.in_(ids), Review.superseded.is_(False))
        )
    }
    scores: dict[int, dict[str, float]] = {i: {} for i in ids}
    versions = {p.id: p.model_version for p in posts}
    for pred in session.scalars(select(Prediction).where(Prediction.post_id.in_(ids))):
        if pred.model_version == versions[pred.post_id]:
            scores[pred.post_id][pred.label] = pred.score
    records = []
    for p in posts:
        review = current.get(p.id)
        if review is None:
            continue
        records.append(
            {
                "id": p.id,
                "text": p.text,
                "title": p.title,
                "platform": p.platform,
                "language": p.language,
                "model_version": p.model_version,
                "model_labels": list(p.labels or []),
                "model_scores": scores[p.id],
                "decision": review.decision,
                "labels": list(review.labels or []) if review.decision != "dismiss" else [],
                "dismiss_reason": review.reason if review.decision == "dismiss" else None,
                "inherited": review.inherited_from_review_id is not None,
                "reviewed_at": review.created_at.isoformat(),
            }
        )
    return records
