"""Classify on arrival: lease pending posts, score them in batches, store with the version."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from classifiers.contracts import LABELS, Classification
from classifiers.text.invisible import clean_text
from monitor.core.base import utcnow
from monitor.core.settings import Settings
from monitor.predictions import repository
from monitor.predictions.repository import Pending


def claim(session: Session, settings: Settings, worker: str, version: str) -> list[Pending]:
    """Lease the next batch of posts for `version` to this worker."""
    now = utcnow()
    return repository.claim(
        session,
        version=version,
        rescore_since=now - settings.rescore_window,
        worker=worker,
        now=now,
        until=now + settings.score_lease,
        limit=settings.score_batch,
    )


def text_of(post: Pending) -> str:
    """Return what the classifier reads: the title (when not already in the text) and the text."""
    text = f"{post.title}\n{post.text}" if post.title and post.title not in post.text else post.text
    # Invisible padding is stripped here too, so the matcher and any model see the clean text.
    return clean_text(text)


def _explanation(result: Classification, label: str) -> dict[str, Any]:
    whole = result.explanation or {}
    per_label = whole.get(label)
    explanation: dict[str, Any] = (
        dict(per_label)
        if isinstance(per_label, dict)
        else {"evidence": per_label}
        if per_label is not None
        else {}
    )
    if per_label is None:
        # The TF-IDF model explains a text once: rules naming their label, n-grams per
        # flagged label. Each label's prediction keeps its own share (the review page
        # highlights these).
        rules = [
            r for r in whole.get("rules", []) if isinstance(r, dict) and r.get("label") == label
        ]
        if rules:
            explanation["rules"] = rules
        ngrams = (whole.get("top_ngrams") or {}).get(label)
        if ngrams:
            explanation["top_ngrams"] = ngrams
    if label == "hoax" and result.factcheck is not None:
        explanation["factcheck"] = result.factcheck.as_json()
    if label == "hoax" and isinstance(whole.get("hoax_signal"), dict):
        explanation["signal"] = whole["hoax_signal"]
    return explanation


# Why: a version stored without a card (rules only, imported scores) is judged against the
# classifier's neutral point; the queue's uncertainty mix uses the same fallback.
FALLBACK_THRESHOLD = 0.5
DISAGREE = -1.0


def uncertainty(scores: dict[str, float], thresholds: dict[str, float]) -> float:
    """Distance of the label score closest to its threshold (the uncertainty mix's key)."""
    return round(
        min(
            abs(float(scores.get(label, 0.0)) - thresholds.get(label, FALLBACK_THRESHOLD))
            for label in LABELS
        ),
        6,
    )


def store(
    session: Session,
    worker: str,
    version: str,
    posts: Sequence[Pending],
    results: Sequence[Classification],
    now: datetime | None = None,
) -> int:
    """Store predictions for posts this worker still holds; return how many were stored.

    The queue priority is not written here: `monitor.flows.priority` owns it (the arrival
    flow and the scoring flow call it after this).
    """
    if len(posts) != len(results):
        raise ValueError(f"classifier returned {len(results)} results for {len(posts)} texts")
    owned = repository.still_leased(session, [p.id for p in posts], worker)
    now = now or utcnow()
    predictions: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    cuts = repository.card_thresholds(session, version)
    for post, result in zip(posts, results, strict=True):
        if post.id not in owned:
            continue
        for label in LABELS:
            predictions.append(
                {
                    "post_id": post.id,
                    "label": label,
                    "score": float(result.scores.get(label, 0.0)),
                    "flagged": label in result.labels,
                    "model_version": version,
                    "explanation": _explanation(result, label),
                    "created_at": now,
                }
            )
        updates.append(
            {
                "id": post.id,
                "classified_at": now,
                "model_version": version,
                "max_score": max((float(v) for v in result.scores.values()), default=0.0),
                "flagged": bool(result.labels),
                "labels": [label for label in LABELS if label in result.labels],
                "uncertainty": uncertainty(result.scores, cuts),
                "score_lease_owner": None,
                "score_lease_expires_at": None,
            }
        )
    ids = [u["id"] for u in updates]
    repository.replace_predictions(session, ids, version, predictions)
    split = repository.disagreeing(session, ids)  # a rescore may now disagree with the last
    for row in updates:
        if row["id"] in split:
            row["uncertainty"] = DISAGREE
    repository.update_posts(session, updates)
    session.flush()
    return len(updates)


def refresh_uncertainty(session: Session, ids: Sequence[int]) -> None:
    """Recompute the stored uncertainty of posts from their predictions (imports, repairs)."""
    cuts: dict[str, dict[str, float]] = {}
    scores: dict[int, dict[str, float]] = {}
    versions: dict[int, str] = {}
    for post_id, version, label, score in repository.current_scores(session, ids):
        if version not in cuts:
            cuts[version] = repository.card_thresholds(session, version)
        scores.setdefault(post_id, {})[label] = score
        versions[post_id] = version
    split = repository.disagreeing(session, ids)
    rows = [
        {
            "id": post_id,
            "uncertainty": DISAGREE
            if post_id in split
            else round(
                min(
                    abs(s - cuts[versions[post_id]].get(label, FALLBACK_THRESHOLD))
                    for label, s in per_label.items()
                ),
                6,
            ),
        }
        for post_id, per_label in scores.items()
    ]
    repository.update_posts(session, rows)
