"""Scheduled cluster work: keep queue priorities in step with cluster spread."""

from __future__ import annotations

from monitor.clusters import service
from monitor.core.runtime import Runtime


def refresh_priority_job(rt: Runtime) -> int:
    """Re-blend priorities of recently active clusters (newly scored copies, fading growth)."""
    with rt.session() as s:
        return service.refresh_active(s)
