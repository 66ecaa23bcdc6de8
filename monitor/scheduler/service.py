"""Build and run the APScheduler scheduler; it only declares triggers."""

from __future__ import annotations

import logging
import time

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from monitor.core.base import utcnow
from monitor.core.runtime import Runtime
from monitor.scheduler.jobs import JobSpec, default_jobs, my_turn

log = logging.getLogger(__name__)


def _wrap(rt: Runtime, spec: JobSpec) -> object:
    def run() -> None:
        started = time.monotonic()
        try:
            if spec.once and not my_turn(rt, spec):
                return  # another scheduler runs it this period
            spec.body(rt)
        except Exception:
            # Why: one failing job must not stop the others or the process.
            log.exception("job failed", extra={"job": spec.name})
        else:
            log.debug(
                "job done",
                extra={"job": spec.name, "seconds": round(time.monotonic() - started, 3)},
            )

    return run


def build_scheduler(rt: Runtime, jobs: list[JobSpec] | None = None) -> BackgroundScheduler:
    """Create a background scheduler with every job added, not yet started."""
    # SQLite has one writer, so one worker thread avoids lock contention there.
    workers = 1 if rt.settings.is_sqlite else 4
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(workers)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        timezone="UTC",
    )
    for spec in jobs if jobs is not None else default_jobs(rt):
        scheduler.add_job(
            _wrap(rt, spec),
            "interval",
            seconds=spec.seconds,
            id=spec.name,
            name=spec.name,
            next_run_time=utcnow(),
        )
    return scheduler
