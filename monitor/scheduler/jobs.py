"""The scheduled jobs: each declares a trigger and a body that calls one service."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass

from monitor.alerts.tasks import deliver_job, evaluate_job
from monitor.audit.tasks import checkpoint_job
from monitor.clusters.tasks import refresh_priority_job
from monitor.core.runtime import Runtime
from monitor.core.settings import Settings
from monitor.drift.tasks import drift_job
from monitor.flows.scoring import score_pending
from monitor.scheduler import repository
from monitor.sources.tasks import collect_due

log = logging.getLogger(__name__)

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class JobSpec:
    """A job: a name, an interval and a body taking the runtime."""

    name: str
    seconds: float
    body: Callable[[Runtime], object]


def heartbeat(rt: Runtime) -> None:
    """Tell /readyz the scheduler is alive."""
    with rt.session() as s:
        repository.beat(s, "scheduler", WORKER_ID)


def default_jobs(rt: Runtime) -> list[JobSpec]:
    """Return every job the scheduler runs, with intervals from settings."""
    tick = rt.settings.scheduler_tick.total_seconds()
    jobs = [JobSpec("heartbeat", min(15.0, tick), heartbeat)]
    jobs.extend(_domain_jobs(tick, rt.settings))
    return jobs


def _domain_jobs(tick: float, settings: Settings) -> list[JobSpec]:
    # Domain jobs are registered here explicitly so the schedule is readable in one place.
    jobs: list[JobSpec] = [
        JobSpec("collect", tick, collect_due),  # fetch due sources (the DB is the schedule)
        JobSpec("score", min(tick, 10.0), score_pending),  # classify new posts on arrival
        JobSpec("alerts-evaluate", max(tick, 60.0), evaluate_job),  # rules -> alerts + outbox
        JobSpec("alerts-deliver", min(tick, 15.0), deliver_job),  # send due outbox rows
        # cluster spread -> queue priority of flagged copies (growth fades when copies stop)
        JobSpec("clusters-priority", max(tick, 60.0), refresh_priority_job),
        # promoted model's last-day scores vs its validation profile -> score_drift alerts
        JobSpec("drift-watch", settings.drift_interval.total_seconds(), drift_job),
        # signed (count, head) of the audit chain, exported outside the database
        JobSpec(
            "audit-checkpoint", settings.audit_checkpoint_interval.total_seconds(), checkpoint_job
        ),
    ]
    return jobs
