"""The scheduled alert jobs: registered, evaluate on the real clock, deliver the outbox."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from monitor.alerts.rules import window_start
from monitor.alerts.tasks import deliver_job, evaluate_job
from monitor.core.base import utcnow
from monitor.core.runtime import Runtime
from monitor.scheduler.jobs import default_jobs
from tests.alerts.conftest import SECRET_15, Receivers
from tests.alerts.seed import liaison, load, post

# One regions load per session (tests/conftest.py::regions_engine), not one per test.
pytestmark = pytest.mark.regions


def test_alert_jobs_are_scheduled(rt: Runtime) -> None:
    names = {job.name for job in default_jobs(rt)}
    assert {"alerts-evaluate", "alerts-deliver"} <= names


def test_jobs_raise_and_deliver_a_burst_collected_just_now(
    alert_rt: Runtime, receivers: Receivers
) -> None:
    receivers.webhook("/hook/15", SECRET_15)
    receivers.telegram()
    # The jobs use the real clock: do not straddle an hour window boundary.
    to_next = window_start(utcnow(), timedelta(hours=1)) + timedelta(hours=1) - utcnow()
    if to_next < timedelta(seconds=15):
        time.sleep(to_next.total_seconds() + 0.5)
    with alert_rt.session() as s:
        load(s)
        liaison(s, "15", receivers.url("/hook/15"), SECRET_15, "-1001500700")
        for i in range(6):
            post(s, f"Amplop beredar di Tanjab Timur ({i})", flagged=True, labels=["hoax"])
    first = evaluate_job(alert_rt)
    assert (first.raised, first.deliveries) == (1, 2)
    assert evaluate_job(alert_rt).raised == 0
    sent = deliver_job(alert_rt)
    assert (sent.sent, sent.retried, sent.dead) == (2, 0, 0)
    assert len(receivers.at("/hook/15")) == 1 and len(receivers.at("telegram")) == 1
    assert deliver_job(alert_rt).sent == 0
