"""Scheduled key work: drop the shared limiters' buckets nobody has used for a while."""

from __future__ import annotations

import time

from monitor.core.runtime import Runtime
from monitor.core.settings import Settings
from monitor.keys import repository

# Why at least an hour: a bucket idle longer than it takes to refill is full again, the same
# as no row at all; an hour covers every limiter's refill with the default settings (the web
# login's 10 tries at 0.5/s refill in 20 s) and keeps the job's delete rare and small.
MIN_IDLE_SECONDS = 3600.0


def idle_horizon(settings: Settings) -> float:
    """Return after how many idle seconds a bucket is surely full again (never under an hour)."""
    refills = (
        settings.api_rate_burst / settings.api_rate_limit,
        settings.auth_failure_burst / settings.auth_failure_rate,
    )
    return max(MIN_IDLE_SECONDS, *refills)


def prune_buckets_job(rt: Runtime) -> int:
    """Delete rate-limit buckets idle past the horizon; return how many went."""
    with rt.session() as s:
        return repository.prune_buckets(s, time.time() - idle_horizon(rt.settings))
