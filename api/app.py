"""Build the FastAPI application."""

from __future__ import annotations

from fastapi import FastAPI

from api import problems
from api.apidocs import endpoints as apidocs
from api.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from api.routes import ROOT_ROUTERS, V1_ROUTERS
from api.web.auth import resolve_for_api
from monitor.core.runtime import Runtime

# Why: a batch of 1,000 posts is well under 2 MB; anything near 5 MB is a mistake or an attack.
MAX_BODY_BYTES = 5 * 1024 * 1024


def create_app(rt: Runtime) -> FastAPI:
    """Create the app around a runtime (settings + database)."""
    app = FastAPI(
        title="Waspada",
        version="0.1.0",
        summary="Election early-detection monitor: flagged posts for human review",
        openapi_url="/openapi.json",
        docs_url=None,  # served by api.apidocs from a package: FastAPI's loads from a CDN
        redoc_url=None,  # ReDoc also loads from a CDN; Swagger UI is enough
    )
    app.state.runtime = rt
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
