"""`waspada up`, `waspada api`, `waspada scheduler`: the long-running processes."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Annotated

import typer
import uvicorn

from api.app import create_app
from api.server import uvicorn_config
from api.workers import serve_workers
from classifiers.text.language import use_model_cache
from monitor.audit.tasks import checkpoint_job
from monitor.cli.commands.sources import startup_sync
from monitor.cli.common import fail, runtime, settings_or_exit
from monitor.cli.plumbing import migrate_or_exit
from monitor.core.gcpolicy import tune_for_pages
from monitor.core.locks import AlreadyRunning, ProcessLock
from monitor.core.runtime import Runtime
from monitor.core.settings import Settings
from monitor.regions.tasks import load_regions_step
from monitor.scheduler.service import build_scheduler
from monitor.tipline import tasks as tipline_tasks

log = logging.getLogger("waspada")

# Steps `waspada up` runs after migrating and before serving (sync the sources file,
# make sure a promoted classifier exists, ...). Each domain appends its step here.
StartupStep = Callable[[Runtime], None]


def default_model_step(rt: Runtime) -> None:
    """Make sure a promoted classifier exists (trains the default model on a first start)."""
    # Lazy for start-up time: training imports all of scikit-learn, and `waspada api`
    # and every start with a promoted model never train.
    from monitor.research.defaults import default_model_step as step

    step(rt)


STARTUP_STEPS: list[tuple[str, StartupStep]] = [
    ("sources", startup_sync),
    ("regions", load_regions_step),
    ("model", default_model_step),
    # A signed checkpoint at every start: rewrites of the chain made while stopped show up.
    ("audit-checkpoint", checkpoint_job),
    ("tipline", tipline_tasks.start_step),
]


def _lock_if_sqlite(settings: Settings) -> ProcessLock | None:
    if not settings.is_sqlite:
        return None
    lock = ProcessLock(settings.data_dir / "waspada.lock")
    try:
        lock.acquire()
    except AlreadyRunning as exc:
        raise fail(str(exc)) from None
    return lock


class _Server(uvicorn.Server):
    """Uvicorn server that stops on SIGINT/SIGTERM without re-raising the signal afterwards.

    Why: uvicorn re-raises the captured signal once it has shut down, which would kill the
    process before `waspada up` stops its scheduler and releases its lock.
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in _STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


WorkersOption = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        max=64,
        help="API worker processes (default WASPADA_API_WORKERS); more than 1 needs PostgreSQL",
    ),
]


def _workers(settings: Settings, workers: int | None) -> int:
    n = workers or settings.api_workers
    if n > 1 and settings.is_sqlite:
        # Why: SQLite allows one writer at a time and the rate limit would be per process.
        raise fail(
            "several API workers need PostgreSQL (WASPADA_DATABASE_URL); SQLite serves from one"
        )
    return n


def _serve(rt: Runtime, workers: int = 1) -> None:
    if workers > 1:
        log.info(
            "api listening",
            extra={
                "url": f"http://{rt.settings.api_host}:{rt.settings.api_port}",
                "workers": workers,
            },
        )
        try:
            serve_workers(rt.settings, workers)
        except SystemExit:
            raise fail(
                f"could not serve on {rt.settings.api_host}:{rt.settings.api_port} "
                "(port in use? set WASPADA_API_PORT)"
            ) from None
        return
    config = uvicorn_config(create_app(rt), rt.settings)
    server = _Server(config)
    log.info(
        "api listening", extra={"url": f"http://{rt.settings.api_host}:{rt.settings.api_port}"}
    )
    server.run()
    if not server.started:
        raise fail(
            f"could not serve on {rt.settings.api_host}:{rt.settings.api_port} "
            "(port in use? set WASPADA_API_PORT)"
        )


def up(workers: WorkersOption = None) -> None:
    """Run everything in one process: migrate, prepare, schedule collection, serve the API."""
    settings = settings_or_exit()
    n = _workers(settings, workers)
    lock = _lock_if_sqlite(settings)
    try:
        # schema=False: `up` migrates any older schema itself, below.
        with runtime(settings, schema=False) as rt:
            log.info(
                "starting",
                extra={
                    "database": rt.engine.url.render_as_string(hide_password=True),
                    "data_dir": str(settings.data_dir),
                },
            )
            migrate_or_exit(rt.engine)
            # Arrival's language detection maps py3langid's model instead of decompressing it.
            use_model_cache(settings.data_dir)
            tune_for_pages()  # arrival pages: the collector walked each live page
            for name, step in STARTUP_STEPS:
                log.info("startup step", extra={"step": name})
                step(rt)
            scheduler = build_scheduler(rt)
            scheduler.start()
            log.info("scheduler started", extra={"jobs": len(scheduler.get_jobs())})
            try:
                if n == 1 and not settings.is_sqlite:
                    # The API's own pool, whose statements PostgreSQL cuts off after
                    # api_statement_timeout; the scheduler's long jobs keep theirs uncut.
                    with runtime(settings, schema=False, api=True) as api_rt:
                        _serve(api_rt, n)
                else:
                    _serve(rt, n)
            finally:
                log.info("shutting down")
                scheduler.shutdown(wait=False)
    finally:
        if lock is not None:
            lock.release()
    log.info("stopped")


def api(workers: WorkersOption = None) -> None:
    """Serve the API only (deployments that run the scheduler separately)."""
    settings = settings_or_exit()
    n = _workers(settings, workers)
    with runtime(settings, api=True) as rt:
        _serve(rt, n)


def scheduler() -> None:
    """Run the scheduler only; several may run against one PostgreSQL database."""
    settings = settings_or_exit()
    lock = _lock_if_sqlite(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        with runtime(settings) as rt:
            # Tagging references regions by foreign key: load them before the first ingest
            # (idempotent; `waspada up` does the same among its startup steps).
            load_regions_step(rt)
            use_model_cache(settings.data_dir)  # as in `up`
            tune_for_pages()  # as in `up`
            sched = build_scheduler(rt)
            sched.start()
            log.info("scheduler started", extra={"jobs": len(sched.get_jobs())})
            stop.wait()
            log.info("shutting down")
            sched.shutdown(wait=True)
    finally:
        if lock is not None:
            lock.release()


def register(app: typer.Typer) -> None:
    """Add the serving commands."""
    app.command("up")(up)
    app.command("api")(api)
    app.command("scheduler")(scheduler)
