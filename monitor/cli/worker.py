"""`waspada worker score`: a scoring process that shares the queue with any number of others."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

import typer

from monitor.cli.common import fail, runtime, settings_or_exit
from monitor.core.runtime import Runtime
from monitor.flows import scoring as scoring
from monitor.flows.priority import update_priorities
from monitor.predictions.wakeup import ArrivalListener
from monitor.scheduler import repository as heartbeats

log = logging.getLogger("waspada")

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    help="Background workers that share the work through the database.",
)


def _beater(rt: Runtime) -> Callable[[str], None]:
    def beat(worker: str) -> None:
        with rt.session() as s:
            heartbeats.beat(s, "worker:score", worker)

    return beat


@app.command("score")
def score(
    idle: float = typer.Option(
        5.0,
        min=0.05,
        help="Longest wait when no post is pending (arrivals wake the worker at once).",
    ),
) -> None:
    """Score pending posts from the shared queue until stopped (PostgreSQL; run several)."""
    settings = settings_or_exit()
    if settings.is_sqlite:
        # Why: SQLite has one writer and `waspada up` already scores; a second process
        # would only wait on the file lock.
        raise fail(
            "`waspada worker score` needs PostgreSQL; on SQLite `waspada up` scores posts itself"
        )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with runtime(settings) as rt:
        log.info("scoring worker started", extra={"worker": scoring.worker_id()})
        # The flow's priority step runs in each batch's transaction, as in the scheduler.
        listener = ArrivalListener(rt.engine, stop)
        try:
            total = scoring.work(
                rt,
                stop,
                idle,
                beat=_beater(rt),
                after_store=update_priorities,
                wait=listener.wait,
            )
        finally:
            listener.close()
        log.info("scoring worker stopped", extra={"posts": total})
