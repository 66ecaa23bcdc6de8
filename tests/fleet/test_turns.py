"""Once-per-period jobs across schedulers, and the scoring worker's refusal on SQLite."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from monitor.core.base import utcnow
from monitor.core.runtime import Runtime
from monitor.scheduler import repository
from monitor.scheduler.jobs import JobSpec, default_jobs
from monitor.scheduler.service import build_scheduler
from tests.support.processes import waspada_env


def test_one_turn_per_period(db: Session) -> None:
    now = utcnow()
    until = now + timedelta(seconds=60)
    assert repository.take_turn(db, "evaluate", now, until, "host-a:1")
    assert not repository.take_turn(db, "evaluate", now, until, "host-b:2")
    assert not repository.take_turn(db, "evaluate", now + timedelta(seconds=59), until, "host-b:2")
    # The period is over: whichever scheduler ticks first takes the next one.
    later = until + timedelta(seconds=1)
    assert repository.take_turn(db, "evaluate", later, later + timedelta(seconds=60), "host-b:2")
    (turn,) = repository.turns(db)
    assert (turn.name, turn.owner) == ("evaluate", "host-b:2")
    # Another job has its own turn.
    assert repository.take_turn(db, "drift", now, until, "host-a:1")


def test_two_schedulers_run_a_once_job_once(rt: Runtime) -> None:
    runs: list[str] = []
    lock = threading.Lock()

    def body(_: Runtime) -> None:
        with lock:
            runs.append("ran")

    spec = JobSpec("once-test", 3600.0, body, once=True)
    every = JobSpec("every-test", 3600.0, body)
    # Two schedulers' wrapped jobs, called as their first tick would call them.
    for _ in range(2):
        sched = build_scheduler(rt, [spec, every])
        for job in sched.get_jobs():
            job.func()
    assert len(runs) == 3  # the once job on one scheduler, the other job on both


def test_scoring_job_can_leave_the_scheduler(rt: Runtime) -> None:
    names = [j.name for j in default_jobs(rt)]
    assert "score" in names
    off = Runtime(
        settings=rt.settings.model_copy(update={"scheduler_score": False}),
        engine=rt.engine,
        factory=rt.factory,
    )
    assert "score" not in [j.name for j in default_jobs(off)]
    assert {j.name for j in default_jobs(off) if j.once} == {
        "alerts-evaluate",
        "priority-refresh",
        "clusters-prune",
        "rate-buckets-prune",
        "drift-watch",
        "audit-checkpoint",
    }


def test_worker_refuses_sqlite(tmp_path: Path) -> None:
    env = waspada_env(tmp_path / "data")  # no database URL: the SQLite default
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "worker", "score"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "needs PostgreSQL" in done.stderr and "Traceback" not in done.stderr
