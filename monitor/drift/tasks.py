"""Scheduled drift watch."""

from __future__ import annotations

import logging

from monitor.core.base import utcnow
from monitor.core.runtime import Runtime
from monitor.drift import service

log = logging.getLogger(__name__)


def drift_job(rt: Runtime) -> service.DriftReport:
    """Compare the last window's scores with validation; alert on shifted labels."""
    with rt.session() as s:
        report = service.watch(s, service.Bounds.from_settings(rt.settings), utcnow())
    if report.status != "measured":
        log.info("drift watch skipped", extra={"reason": report.message})
    elif report.shifted:
        log.warning(
            "score drift",
            extra={
                "model": report.model_version,
                "labels": [d.label for d in report.shifted],
                "alerts_raised": report.alerts_raised,
            },
        )
    return report
