"""Several API worker processes on one port, under uvicorn's supervisor (PostgreSQL only).

Each worker is a fresh interpreter (spawned, not forked) that builds its own settings,
engine and app from the environment through `app_from_env`; the supervisor binds the
socket once, restarts a worker that dies, and stops them all on SIGINT/SIGTERM. Anything
shared between workers (the per-key rate limit) lives in PostgreSQL.
"""

from __future__ import annotations

import uvicorn
from fastapi import FastAPI
from uvicorn.supervisors import Multiprocess

from api.app import create_app
from api.server import HeaderDeadlineHttpTools, uvicorn_config
from monitor.core.logging import configure_logging
from monitor.core.runtime import build_runtime
from monitor.core.settings import Settings, load_settings


class WorkerHttp(HeaderDeadlineHttpTools):
    """The header-deadline protocol by import path (a worker cannot receive a built class).

    Why a class attribute set by the factory: the supervisor pickles the configuration into
    each spawned worker, and only module-level classes survive that.
    """


def app_from_env() -> FastAPI:
    """Build one worker's app from WASPADA_* settings (uvicorn calls this in each worker)."""
    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    WorkerHttp.header_timeout = settings.http_header_timeout
    return create_app(build_runtime(settings, api=True))


def workers_config(settings: Settings, workers: int) -> uvicorn.Config:
    """Return the supervisor's configuration: the single-process one, by import string."""
    single = uvicorn_config(None, settings)
    return uvicorn.Config(
        "api.workers:app_from_env",
        factory=True,
        workers=workers,
        host=single.host,
        port=single.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=single.timeout_graceful_shutdown,
        http=WorkerHttp,
        proxy_headers=single.proxy_headers,
        forwarded_allow_ips=single.forwarded_allow_ips,
        timeout_keep_alive=single.timeout_keep_alive,
        # Why a minute: a spawned worker imports the whole app before it answers the
        # supervisor's ping; on a busy host that took longer than uvicorn's 5 s default,
        # and the supervisor killed and respawned workers for ever.
        timeout_worker_healthcheck=60,
    )


def serve_workers(settings: Settings, workers: int) -> None:
    """Serve the API from `workers` processes until SIGINT/SIGTERM (blocks)."""
    config = workers_config(settings, workers)
    sock = config.bind_socket()
    try:
        Multiprocess(config, sockets=[sock]).run()
    finally:
        sock.close()
