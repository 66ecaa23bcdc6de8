"""Build the FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import anyio.to_thread
from fastapi import FastAPI

from api import problems, queryparams
from api.apidocs import endpoints as apidocs
from api.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from api.routes import ROOT_ROUTERS, V1_ROUTERS
from api.web.auth import resolve_for_api
from monitor.core.runtime import Runtime

# Why: a batch of 1,000 posts is well under 2 MB; anything near 5 MB is a mistake or an attack.
MAX_BODY_BYTES = 5 * 1024 * 1024


@asynccontextmanager
async def serve_threads(app: FastAPI) -> AsyncIterator[None]:
    """Cap the worker threads that run database work at `api_threads` while serving.

    Why: anyio's default of 40 threads let a burst spread over 40 threads and 10 + 20
    overflow connections (each a new PostgreSQL backend), which cost more CPU per request
    than it won (docs/benchmarks.md, api5/api6). No request holds a pooled connection while
    it waits for a thread (`api.deps.release`), and the hop that ends a request's
    transaction has its own limiter, so the capped threads and the pool never wait on each
    other.
    """
    threads = app.state.runtime.settings.api_threads
    anyio.to_thread.current_default_thread_limiter().total_tokens = threads
    app.state.release_limiter = anyio.CapacityLimiter(threads)
    yield


def create_app(rt: Runtime) -> FastAPI:
    """Create the app around a runtime (settings + database)."""
    app = FastAPI(
        title="Waspada",
        version="0.1.0",
        summary="Election early-detection monitor: flagged posts for human review",
        openapi_url="/openapi.json",
        docs_url=None,  # served by api.apidocs from a package: FastAPI's loads from a CDN
        redoc_url=None,  # ReDoc also loads from a CDN; Swagger UI is enough
        lifespan=serve_threads,
    )
    app.state.runtime = rt
    # Query parameters read with each field's type questions answered once (api/queryparams.py).
    queryparams.install()
    # Besides API keys, a logged-in browser session authenticates /api/v1 (CSRF-checked).
    app.state.session_resolvers = [resolve_for_api]
    problems.install(app)
    problems.document(app)
    apidocs.install(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=MAX_BODY_BYTES)
    app.add_middleware(RequestContextMiddleware)
    # Every router is listed once in api/routes.py; nothing registers itself on import.
    for router in ROOT_ROUTERS:
        app.include_router(router)
    for router in V1_ROUTERS:
        app.include_router(router, prefix="/api/v1")
    return app
