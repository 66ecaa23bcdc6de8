"""The route class every router uses: a sync endpoint and its commit share one thread hop."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Coroutine, MutableMapping
from typing import Any, Self

from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

# Where a request's `InEndpoint` work waits (its scope), for the validation-error path.
PENDING = "waspada.in_endpoint"


class InEndpoint:
    """A dependency's blocking work left for the endpoint's worker thread (run before it).

    Why: a dependency that needs a database round trip (the API key check) cost a thread
    hop of its own before the endpoint's; as an `InEndpoint` value it runs first thing in
    the endpoint's hop instead. When the parameters fail validation the endpoint never runs,
    so `EdgeRoute` settles the pending work before the 422 goes out: an error it raises
    (401, 403, 429) still answers first, as when the dependency ran on its own.
    """

    def resolve(self) -> Any:
        """Do the work in the current (worker) thread and return the endpoint's value."""
        raise NotImplementedError

    def defer(self, scope: MutableMapping[str, Any]) -> Self:
        """Record this work in the request's scope and return it (the dependency's value)."""
        scope.setdefault(PENDING, []).append(self)
        return self


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
        if self.endpoint is endpoint and _defers(self.dependant):
            # Only `_run_and_commit` resolves InEndpoint values: an async or streaming
            # endpoint would get the pending key check instead of a checked caller.
            raise TypeError(f"{path}: an InEndpoint dependency needs a plain `def` endpoint")

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Return FastAPI's handler, settling pending `InEndpoint` work before a 422."""
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError:
                # Still inside the dependencies' exit stack: the session is open here.
                for pending in request.scope.get(PENDING, ()):
                    await run_in_threadpool(pending.resolve)
                raise

        return handle


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


def _defers(dependant: Dependant) -> bool:
    """Return whether a dependency of this endpoint (at any depth) hands over InEndpoint work."""
    return any(getattr(d.call, "in_endpoint", False) or _defers(d) for d in dependant.dependencies)


def _run_and_commit(endpoint: Callable[..., Any], values: dict[str, Any]) -> Any:
    """Resolve pending dependency work, call the endpoint, then commit the sessions it was given.

    A session still in a transaction is committed; one the endpoint ended is left alone.
    """
    values = {k: v.resolve() if isinstance(v, InEndpoint) else v for k, v in values.items()}
    result = endpoint(**values)
    for value in values.values():
        if isinstance(value, Session) and value.in_transaction():
            value.commit()
    return result
