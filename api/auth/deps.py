"""Who is calling: API key or web session, rate limit, and the policy check per action."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from api.auth import policy
from api.auth.ratelimit import (
    FailureLimiter,
    RateLimiter,
    SharedRateLimiter,
    failure_limiter_for,
    limiter_for,
)
from api.deps import SessionDep, release
from api.edge import InEndpoint
from api.problems import WWW_AUTH
from monitor.core.errors import Forbidden, TooManyRequests, Unauthorized
from monitor.keys import service as keys
from monitor.keys.principal import Principal

# Seam for the web review page: functions that return the Principal of a logged-in
# browser session (from its signed cookie) or None. `create_app` lists them explicitly in
# `app.state.session_resolvers`; API-key headers always take precedence over a cookie.
SessionResolver = Callable[[Request, Session], Principal | None]


def unauthorized(key: str) -> Unauthorized:
    """Return a 401 error asking for a key."""
    problem = Unauthorized(key)
    problem.headers["WWW-Authenticate"] = WWW_AUTH
    return problem


def presented_key(request: Request) -> str | None:
    """Return the key from `Authorization: Bearer` or `X-API-Key`, if either is present."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    key = request.headers.get("x-api-key")
    return key.strip() if key and key.strip() else None


def rate_limiter(request: Request) -> RateLimiter:
    """Return the app's limiter (created on first use)."""
    limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
    if limiter is None:
        rt = request.app.state.runtime
        limiter = limiter_for(rt, rt.settings.api_rate_limit, rt.settings.api_rate_burst)
        request.app.state.rate_limiter = limiter
    return limiter


def failure_limiter(request: Request) -> FailureLimiter:
    """Return the app's failed-authentication limiter (created on first use)."""
    limiter: FailureLimiter | None = getattr(request.app.state, "failure_limiter", None)
    if limiter is None:
        rt = request.app.state.runtime
        settings = rt.settings
        limiter = failure_limiter_for(rt, settings.auth_failure_rate, settings.auth_failure_burst)
        request.app.state.failure_limiter = limiter
    return limiter


def client_address(request: Request) -> str:
    """Return the peer address (from X-Forwarded-For only when a trusted proxy sent it)."""
    return request.client.host if request.client else "unknown"


def failure_tags(request: Request, plaintext: str) -> list[str]:
    """Return what a failed try is counted against: the client address and the key prefix."""
    tags = [f"addr:{client_address(request)}"]
    prefix = keys.prefix_of(plaintext)
    if prefix is not None:
        tags.append(f"prefix:{prefix}")
    return tags


def too_many_failures(wait: float) -> TooManyRequests:
    """Return the 429 sent before any hashing once failed tries exceed their budget."""
    problem = TooManyRequests("error.auth_failures")
    problem.headers["Retry-After"] = str(max(1, math.ceil(wait)))
    return problem


def authenticate(request: Request, session: Session, plaintext: str) -> Principal | None:
    """Verify a key, refusing (429) before scrypt when its address or prefix failed too often.

    A key this process already verified is let through: a guesser hammering someone's
    prefix must not lock that person out.
    """
    guard = failure_limiter(request)
    tags = failure_tags(request, plaintext)
    # Known good first: it is a dict lookup, while the shared buckets are a round trip.
    if not keys.known_good(plaintext):
        wait = guard.wait(tags)
        if wait > 0:
            raise too_many_failures(wait)
    principal = keys.verify_key(session, plaintext)
    if principal is None:
        guard.fail(tags)
    return principal


def get_principal(request: Request, session: SessionDep) -> Principal:
    """Authenticate the request, apply the per-key rate limit, and return the caller."""
    principal: Principal | None = None
    plaintext = presented_key(request)
    limiter = rate_limiter(request)
    if plaintext is not None and isinstance(limiter, SharedRateLimiter):
        # PostgreSQL: a key this process verified before is checked and charged in one
        # statement on the limiter's pool; the request's own session is not touched.
        spent = limiter.check_key(plaintext)
        if spent is not None:
            if spent.principal is None:
                failure_limiter(request).fail(failure_tags(request, plaintext))
                raise unauthorized("error.key_invalid")
            return _admitted(request, spent.principal, limiter.wait_of(spent))
    if plaintext is not None:
        principal = authenticate(request, session, plaintext)
        if principal is None:
            # Same answer for malformed, unknown, revoked and expired keys: nothing to probe.
            raise unauthorized("error.key_invalid")
    else:
        resolvers: list[SessionResolver] = getattr(request.app.state, "session_resolvers", [])
        for resolve in resolvers:
            principal = resolve(request, session)
            if principal is not None:
                break
    # Still in this worker thread: the key row (or the browser session) was read on a pooled
    # connection, which must not stay checked out while the endpoint waits for its thread.
    release(session)
    if principal is None:
        raise unauthorized("error.key_missing")
    return _admitted(request, principal, limiter.take(principal.actor))


def _admitted(request: Request, principal: Principal, wait: float) -> Principal:
    """Return the caller, or raise 429 when its token bucket was empty (`wait` > 0)."""
    if wait > 0:
        problem = TooManyRequests("error.rate_limited")
        problem.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        raise problem
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(action: str) -> Any:
    """Return a dependency that yields the caller after checking the policy for `action`."""
    policy.roles_for(action)  # fail at import time for an action missing from the table

    # Async on purpose: no I/O here, so no worker-thread hop (see api.deps.get_runtime).
    async def check(principal: PrincipalDep) -> Principal:
        return allowed(principal, action)

    return Depends(check)


def allowed(principal: Principal, action: str) -> Principal:
    """Return the caller if its role may perform `action`, else raise 403."""
    if not policy.allowed(principal, action):
        raise Forbidden("error.role_forbidden", role=principal.role, action=action)
    return principal


class KeyCheck(InEndpoint):
    """`get_principal` and the policy check for `action`, run in the endpoint's worker thread."""

    def __init__(self, request: Request, session: Session, action: str) -> None:
        self.request = request
        self.session = session
        self.action = action
        self.principal: Principal | None = None

    def resolve(self) -> Principal:
        """Authenticate, charge the rate limit and check the role (once per request)."""
        if self.principal is None:
            self.principal = allowed(get_principal(self.request, self.session), self.action)
        return self.principal


def require_in_endpoint(action: str) -> Any:
    """As `require`, but a presented key is checked in the endpoint's own worker thread.

    Why: on a queue page the key check (one statement on PostgreSQL) took a worker-thread
    hop of its own before the endpoint's. Only for plain `def` endpoints of an `EdgeRoute`
    (api.edge.InEndpoint); a 401, 403 or 429 still answers before a 422.
    """
    policy.roles_for(action)  # fail at import time for an action missing from the table

    async def check(request: Request, session: SessionDep) -> Principal | KeyCheck:
        if presented_key(request) is None:
            # No key: a browser session or a 401, settled now, before parameters are checked.
            return allowed(await run_in_threadpool(get_principal, request, session), action)
        return KeyCheck(request, session, action).defer(request.scope)

    check.in_endpoint = True  # type: ignore[attr-defined]  # checked by api.edge.EdgeRoute
    return Depends(check)
