"""Scheduled cluster work: keep the hot near-copy index to the messages still arriving."""

from __future__ import annotations

from monitor.clusters import service
from monitor.core.runtime import Runtime


def prune_cold_job(rt: Runtime) -> int:
    """Drop the LSH bands of messages quiet for longer than the hot window."""
    with rt.session() as s:
        return service.prune_cold(s)
