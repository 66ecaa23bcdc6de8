"""The process-wide runtime: settings, engine and session factory, built once at the edge."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor.core.db import (
    autocommit_engine,
    dispose_autocommit,
    make_engine,
    make_session_factory,
    session_scope,
    wait_for_database,
)
from monitor.core.settings import Settings, get_settings

# Why 5 s: under load an API connection comes back to the pool within milliseconds, and
# pinging it at every checkout was a round trip per request, about a fifth of a queue
# page's PostgreSQL CPU (docs/benchmarks.md, api11). A connection unused for longer, where
# a server restart or a cut idle connection is likely, is still pinged and replaced.
API_PING_AFTER_IDLE_S = 5.0


@dataclass
class Runtime:
    """Everything a command, job or request needs to reach the database."""

    settings: Settings
    engine: Engine
    factory: sessionmaker[Session] = field(repr=False)
    # A read replica (WASPADA_READ_DATABASE_URL) for exports and figures; None: the primary.
    read_factory: sessionmaker[Session] | None = field(default=None, repr=False)

    def autocommit(self) -> Engine:
        """Return the pool for one-statement writes outside any request transaction (built once).

        Why as many connections as API worker threads: every request's key check and token
        runs here from one of those threads; with 5 pooled connections for 8 threads, a
        burst opened and closed overflow connections (a new PostgreSQL backend each).
        """
        return autocommit_engine(self.engine, max(5, self.settings.api_threads))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Open a unit of work that commits on success and rolls back on error."""
        with session_scope(self.factory) as s:
            # Services that need a setting tied to this runtime (the audit key) find it here.
            s.info["settings"] = self.settings
            yield s

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """Open a unit of work for long reads, on the replica when one is configured."""
        with session_scope(self.read_factory or self.factory) as s:
            s.info["settings"] = self.settings
            yield s

    def close(self) -> None:
        """Dispose of the connection pools."""
        self.engine.dispose()
        dispose_autocommit(self.engine)
        if self.read_factory is not None and self.read_factory.kw.get("bind") is not None:
            self.read_factory.kw["bind"].dispose()


def private_dir(path: Path) -> None:
    """Create the data directory readable by its owner only (0700); keys and the DB live there."""
    existed = path.exists()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not existed:
        path.chmod(0o700)  # mkdir's mode is filtered by the umask


def build_runtime(
    settings: Settings | None = None, *, wait: bool = True, api: bool = False
) -> Runtime:
    """Create the engine (waiting for the database if asked) and the session factory.

    `api=True`: the API's runtime, whose statements PostgreSQL cuts off after
    `api_statement_timeout` (the scheduler's and the CLI's are not limited), planned
    without JIT or parallel workers (short pages; the read replica's long reads keep them).
    """
    settings = settings or get_settings()
    private_dir(settings.data_dir)
    limit = settings.api_statement_timeout if api else None
    engine = make_engine(
        settings.db_url,
        busy_timeout_s=settings.sqlite_busy_timeout.total_seconds(),
        statement_timeout=limit,
        short_pages=api,
        ping_idle_s=API_PING_AFTER_IDLE_S if api else None,
    )
    if wait:
        wait_for_database(engine, settings.db_wait.total_seconds())
    read = None
    if settings.read_database_url:
        read = make_session_factory(
            make_engine(settings.read_database_url, statement_timeout=limit)
        )
    return Runtime(
        settings=settings, engine=engine, factory=make_session_factory(engine), read_factory=read
    )


def runtime_for_engine(settings: Settings, engine: Engine) -> Runtime:
    """Wrap an existing engine (tests, embedded use)."""
    return Runtime(settings=settings, engine=engine, factory=make_session_factory(engine))
