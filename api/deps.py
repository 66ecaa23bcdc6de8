"""Request dependencies: the runtime and a session whose transaction the edge owns."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Annotated

import anyio
from fastapi import Depends, Request
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from monitor.core.runtime import Runtime
from monitor.core.settings import Settings
from monitor.reviews import repository as review_repo


async def get_runtime(request: Request) -> Runtime:
    """Return the runtime the app was built with.

    Why async: FastAPI runs a plain `def` dependency in a worker thread; a hop costs
    more than this attribute read, and every request resolves it.
    """
    rt: Runtime = request.app.state.runtime
    return rt


async def get_session(
    request: Request, rt: Annotated[Runtime, Depends(get_runtime)]
) -> AsyncIterator[Session]:
    """Yield a session: committed when the endpoint returns, rolled back if it raises.

    Why async: opening a session does no I/O (the connection is taken at the first
    query, in the endpoint's thread), so only the commit or rollback needs a worker
    thread; as a plain generator it cost a thread hop to enter and another to leave.
    """
    session = rt.factory()
    session.info["settings"] = rt.settings
    # Why its own limiter: this hop holds a pooled connection while it waits for a thread.
    # Had it to wait for the capped worker threads, and those wait for a free connection,
    # neither would move (see api.app.serve_threads).
    limiter = getattr(request.app.state, "release_limiter", None)
    try:
        yield session
    except BaseException:
        with anyio.CancelScope(shield=True):  # a cancelled request still returns its connection
            await anyio.to_thread.run_sync(_end, session, False, limiter=limiter)
        raise
    if not session.in_transaction():
        # The endpoint's transaction ended in its own worker thread (a plain endpoint is
        # committed there by api.edge.EdgeRoute): closing does no I/O, so no second hop.
        session.close()
        return
    await anyio.to_thread.run_sync(_end, session, True, limiter=limiter)


def _end(session: Session, commit: bool) -> None:
    """Commit (or roll back) and close a request's session, as `Runtime.session` does."""
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def release(session: Session) -> None:
    """Commit what a dependency read or wrote so its pooled connection goes back at once.

    Why: a connection must never be held while its request waits for a worker thread
    (a key's first scrypt check, a region-name lookup, then the endpoint's own hop); with
    the threads capped at the pool size, pool and threads would wait on each other.
    """
    if session.in_transaction():
        session.commit()


def read_only(session: Session) -> None:
    """Run a read-only request's statements in AUTOCOMMIT on PostgreSQL (before its first query).

    Why: under READ COMMITTED every statement takes its own snapshot anyway, so a page's
    SELECTs see nothing different without a transaction; BEGIN and COMMIT were two of a
    flat page's four round trips. A session already in a transaction keeps it; SQLite
    keeps its own BEGIN handling.
    """
    bind = session.get_bind()
    if session.in_transaction() or bind.dialect.name != "postgresql":
        return
    if isinstance(bind, Connection) and bind.in_transaction():
        # A session joined to an outer transaction (tests, embedded use) stays in it.
        return
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def get_read_session(
    rt: Annotated[Runtime, Depends(get_runtime)],
    primary: Annotated[Session, Depends(get_session)],
) -> Iterator[Session]:
    """Yield a session for long reads (exports, figures): the replica when one is configured."""
    if rt.read_factory is None:
        # No replica: the request's own unit of work (one transaction, one connection).
        yield primary
        return
    with rt.read_session() as session:
        yield session


async def get_app_settings(rt: Annotated[Runtime, Depends(get_runtime)]) -> Settings:
    """Return the settings."""
    return rt.settings


def begin_review_write(session: Session) -> None:
    """Edge step before a review write: commit what authentication wrote, then lock (SQLite).

    The request owns its transaction, so the commit lives here and not in the repository;
    the fresh transaction then starts with the write lock (see `take_write_lock`).
    """
    session.commit()
    review_repo.take_write_lock(session)


SessionDep = Annotated[Session, Depends(get_session)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
