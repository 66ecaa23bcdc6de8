"""The scheduled jobs: each declares a trigger and a body that calls one service."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.alerts.tasks import deliver_job, evaluate_job
from monitor.audit.tasks import checkpoint_job
from monitor.clusters.tasks import prune_cold_job
from monitor.core.base import utcnow
from monitor.core.runtime import Runtime
from monitor.core.settings import Settings
from monitor.desk.brief.tasks import brief_job
from monitor.drift.tasks import drift_job
from monitor.flows.collect import collect_due
from monitor.flows.tasks import refresh_priority_job, score_pending
from monitor.keys.tasks import prune_buckets_job
from monitor.scheduler import repository

log = logging.getLogger(__name__)

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class JobSpec:
    """A job: a name, an interval, a body taking the runtime, and whether it runs once per period.

    `once=False` jobs (collect, score, deliver) run on every scheduler's tick: they claim
    their work row by row with leases. `once=True` jobs run on one scheduler per period.
    """

    name: str
    seconds: float
    body: Callable[[Runtime], object]
    once: bool = False


def my_turn(rt: Runtime, spec: JobSpec, now: datetime | None = None) -> bool:
    """Claim this period's run of a once-per-period job; False when another scheduler has it."""
    now = now or utcnow()
    # A little slack so the claiming scheduler's own next tick (a hair early) still wins.
    period = timedelta(seconds=spec.seconds - min(spec.seconds * 0.1, 2.0))
    with rt.session() as s:
        return repository.take_turn(s, spec.name, now, now + period, WORKER_ID)


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
        JobSpec(  # rules -> alerts + outbox
            "alerts-evaluate", settings.alerts_interval.total_seconds(), evaluate_job, once=True
        ),
        JobSpec("alerts-deliver", min(tick, 15.0), deliver_job),  # send due outbox rows
        # recency and cluster spread -> queue priority (growth fades when copies stop)
        JobSpec("priority-refresh", max(tick, 60.0), refresh_priority_job, once=True),
        # messages quiet for a week leave the near-copy index (bounded band lookups)
        JobSpec("clusters-prune", 3600.0, prune_cold_job, once=True),
        # rate-limit buckets (API keys, failed logins) idle past their refill: delete the rows
        JobSpec("rate-buckets-prune", 3600.0, prune_buckets_job, once=True),
        # promoted model's last-day scores vs its validation profile -> score_drift alerts
        JobSpec("drift-watch", settings.drift_interval.total_seconds(), drift_job, once=True),
        # each weekly_brief subscription's regions: the brief as a PDF e-mail, once a week
        JobSpec("brief-email", settings.brief_interval.total_seconds(), brief_job),
        # signed (count, head) of the audit chain, exported outside the database
        JobSpec(
            "audit-checkpoint",
            settings.audit_checkpoint_interval.total_seconds(),
            checkpoint_job,
            once=True,
        ),
    ]
    if settings.scheduler_score:
        # classify new posts on arrival (off where dedicated `waspada worker score` run)
        jobs.insert(1, JobSpec("score", min(tick, 10.0), score_pending))
    return jobs
