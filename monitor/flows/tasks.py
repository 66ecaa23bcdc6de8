"""Scheduled flows: scoring followed by priority, and the periodic priority refresh."""

from __future__ import annotations

from classifiers.contracts import Classifier, Matcher
from monitor.core.runtime import Runtime
from monitor.flows import scoring as predictions
from monitor.flows.priority import refresh_recent, update_priorities
from monitor.flows.scoring import TIME_BUDGET_SECONDS


def score_pending(
    rt: Runtime,
    classifier: Classifier | None = None,
    matcher: Matcher | None = None,
    worker: str | None = None,
    budget: float = TIME_BUDGET_SECONDS,
) -> int:
    """Score pending posts in batches; each batch's priorities are set in its transaction."""
    return predictions.score_pending(
        rt, classifier, matcher, worker, budget, after_store=update_priorities
    )


def refresh_priority_job(rt: Runtime) -> int:
    """Refresh priorities whose recency faded or whose cluster's growth changed."""
    with rt.session() as s:
        return refresh_recent(s)
