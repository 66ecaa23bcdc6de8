"""Scheduled alert jobs: evaluate the rules, deliver the outbox."""

from __future__ import annotations

import logging

from monitor.alerts import delivery, service
from monitor.core.base import utcnow
from monitor.core.runtime import Runtime

log = logging.getLogger(__name__)


def evaluate_job(rt: Runtime) -> service.EvaluateResult:
    """Run the alert rules once (one transaction)."""
    with rt.session() as s:
        result = service.evaluate(s, utcnow())
    if result.raised:
        log.info("alerts raised", extra={"raised": result.raised, "queued": result.deliveries})
    return result


def deliver_job(rt: Runtime) -> delivery.DeliverResult:
    """Send due deliveries; a down receiver only reschedules its own rows."""
    return delivery.deliver_pending(rt)
