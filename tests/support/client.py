"""The one way tests talk to the app in-process: FastAPI's TestClient on a test's runtime."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from api.auth.ratelimit import RateLimiter
from monitor.core.runtime import Runtime


def app_client(rt: Runtime, *, unlimited: bool = False, **options: Any) -> TestClient:
    """A TestClient on `create_app(rt)`; `unlimited` lifts the per-key rate limit for probes."""
    app = create_app(rt)
    if unlimited:
        # Tests that fire hundreds of probes with one key; the limit itself has its own tests.
        app.state.rate_limiter = RateLimiter(rate=1000.0, burst=10_000)
    return TestClient(app, **options)
