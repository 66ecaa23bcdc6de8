"""Request dependencies: the runtime and a session whose transaction the edge owns."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
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


def get_session(rt: Annotated[Runtime, Depends(get_runtime)]) -> Iterator[Session]:
    """Yield a session: committed when the endpoint returns, rolled back if it raises."""
    with rt.session() as session:
        yield session


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
