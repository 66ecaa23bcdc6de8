"""Once-per-period jobs across schedulers, and the scoring worker's refusal on SQLite."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from monitor.core.base import utcnow
from monitor.core.db import make_engine
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


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_two_first_heartbeats_at_once(fresh_db_url: str) -> None:
    # Two schedulers of a fleet on a fresh database beat under one name: the second waits
    # for the first's row lock and updates it instead of failing on the primary key (a
    # Traceback in a fleet run's scheduler log before beats became one upsert).
    engine = make_engine(fresh_db_url)
    factory = sessionmaker(engine)
    errors: list[BaseException] = []
    try:
        with factory() as first:
            repository.beat(first, "scheduler", "host-a:1")  # holds the new row, uncommitted

            def second() -> None:
                try:
                    with factory.begin() as s:
                        repository.beat(s, "scheduler", "host-b:2")
                except BaseException as exc:
                    errors.append(exc)

            other = threading.Thread(target=second)
            other.start()
            other.join(0.5)
            assert other.is_alive()  # waiting on the first beat's row lock
            first.commit()
            other.join(30)
        assert not errors, errors
        with factory() as s:
            assert repository.last_beat(s, "scheduler") is not None
            (info,) = s.execute(text("SELECT info FROM heartbeats")).scalars()
        assert info == "host-b:2"
    finally:
        engine.dispose()


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
