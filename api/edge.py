"""The route class every router uses: a sync endpoint and its commit share one thread hop."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool


class EdgeRoute(APIRoute):
    """An APIRoute whose plain `def` endpoint ends its session's transaction in its own thread.

    Why: FastAPI runs a sync endpoint in a worker thread, then validates its `response_model`
    in a second worker thread, and only then lets the session dependency commit. With the
    worker threads capped (`api_threads`), a request holding SQLite's write lock or a pooled
    PostgreSQL connection waited for a thread while every thread waited for that lock or a
    connection (docs/benchmarks.md, "api6, reverted"). Here the endpoint and its commit run in
    one hop and the response is validated on the event loop, so nothing is held across a wait
    for a thread, and a request takes one hop fewer. The edge still owns the transaction: the
    commit is the request's, after the endpoint returned; an endpoint that raises is rolled
    back by `api.deps.get_session` as before.
    """

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, one_hop(endpoint), **kwargs)


def one_hop(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a plain `def` endpoint as a coroutine that runs it and commits in one worker thread.

    Coroutines and generators (streamed bodies) are returned unchanged. FastAPI reads the
    wrapped signature (`__wrapped__`) for parameters and the return annotation.
    """
    if (
        inspect.iscoroutinefunction(endpoint)
        or inspect.isgeneratorfunction(endpoint)
        or inspect.isasyncgenfunction(endpoint)
    ):
        return endpoint

    @functools.wraps(endpoint)
    async def run(**values: Any) -> Any:
        return await run_in_threadpool(_run_and_commit, endpoint, values)

    return run


def _run_and_commit(endpoint: Callable[..., Any], values: dict[str, Any]) -> Any:
    """Call the endpoint, then commit every session it was given that is still in a transaction."""
    result = endpoint(**values)
    for value in values.values():
        if isinstance(value, Session) and value.in_transaction():
            value.commit()
    return result
