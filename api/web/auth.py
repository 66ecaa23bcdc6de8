"""Web session → Principal, with the same key checks the API applies on every request."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from api.web import session as websession
from monitor.core.base import utcnow
from monitor.core.runtime import Runtime
from monitor.keys import repository as key_repo
from monitor.keys import service as keys
from monitor.keys.principal import Principal

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def principal_for(session: Session, ws: websession.WebSession) -> Principal | None:
    """Return the caller a session stands for, or None once its key is revoked or expired."""
    if key_repo.session_revoked(session, ws.sid):
        return None  # logged out: the cookie may still exist, the session does not
    key = key_repo.by_id(session, ws.key_id)
    if key is None or key.revoked_at is not None:
        return None
    if key.expires_at is not None and key.expires_at <= utcnow():
        return None
    return keys.principal_of(key)


def current(request: Request, session: Session) -> tuple[Principal, websession.WebSession] | None:
    """Return the logged-in caller and their session, or None."""
    rt: Runtime = request.app.state.runtime
    ws = websession.from_request(rt.settings, request)
    if ws is None:
        return None
    principal = principal_for(session, ws)
    return None if principal is None else (principal, ws)


def resolve_for_api(request: Request, session: Session) -> Principal | None:
    """Seam for api.auth.deps: accept the web session on /api/v1, with CSRF on writes."""
    found = current(request, session)
    if found is None:
        return None
    principal, ws = found
    # Why: a cookie is sent by the browser on its own; a write must prove it came from
    # our page by echoing the session's CSRF token in a header a cross-site form can't set.
    if request.method not in SAFE_METHODS and not websession.check_csrf(ws, request, None):
        return None
    return principal
