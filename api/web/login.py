"""The web pages' entry: the bare host, static files, login and logout."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse
from starlette.responses import Response

from api.auth import deps as auth_deps
from api.auth.ratelimit import RateLimiter, limiter_for
from api.deps import SessionDep, SettingsDep
from api.edge import EdgeRoute
from api.web import auth as webauth
from api.web import session as websession
from api.web.rendering import STATIC_DIR, render, request_lang, safe_next, secure, see_other
from monitor.core.errors import Forbidden, WaspadaError
from monitor.core.i18n import translate
from monitor.keys import repository as key_repo

router = APIRouter(include_in_schema=False, route_class=EdgeRoute)

_STATIC_NAME = re.compile(r"^[a-z0-9_-]{1,40}\.(js|css|svg)$")
_MEDIA = {"js": "text/javascript", "css": "text/css", "svg": "image/svg+xml"}
# Why: keys are unguessable, but each failed login costs a scrypt hash; cap tries per client.
_LOGIN_RATE, _LOGIN_BURST = 0.5, 10
MAX_KEY_CHARS = 200


def _login_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter | None = getattr(request.app.state, "web_login_limiter", None)
    if limiter is None:
        # Shared through PostgreSQL like the API limiter: N workers, one budget per client.
        limiter = limiter_for(request.app.state.runtime, _LOGIN_RATE, _LOGIN_BURST)
        request.app.state.web_login_limiter = limiter
    return limiter


@router.get("/", include_in_schema=False)
def root() -> Response:
    """Send visitors of the bare host to the review page."""
    return see_other("/ui/?status=new")


@router.get("/static/{name}")
def static(name: str) -> Response:
    """Serve the page's own JS and CSS (a fixed folder; no path traversal)."""
    match = _STATIC_NAME.match(name)
    path = STATIC_DIR / name
    if match is None or not path.is_file():
        return secure(Response("not found", status_code=404, media_type="text/plain"))
    response = FileResponse(path, media_type=_MEDIA[match.group(1)])
    response.headers["Cache-Control"] = "no-cache"
    return secure(response, cache=True)


@router.get("/ui/login")
def login_page(
    request: Request, settings: SettingsDep, next: str | None = None, msg: str | None = None
) -> Response:
    """Show the login form."""
    lang = request_lang(request)
    messages = {"out": "login.logged_out", "ended": "login.session_ended"}
    message = translate(lang, messages[msg]) if msg in messages else None
    return _login_form(request, settings, next, message, "ok", 200)


def _login_form(
    request: Request,
    settings: SettingsDep,
    next_url: str | None,
    message: str | None,
    kind: str,
    status_code: int,
) -> Response:
    token, cookie = websession.login_csrf(settings, request)
    response = render(
        request,
        "login.html",
        {
            "login_csrf": token,
            "next_url": safe_next(next_url or "/ui/?status=new"),
            "message": message,
            "message_kind": kind,
        },
        status_code=status_code,
    )
    websession.set_login_csrf_cookie(response, request, cookie)
    return response


@router.post("/ui/login")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    key: Annotated[str, Form(max_length=MAX_KEY_CHARS)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/ui/",
) -> Response:
    """Check the key; on success set the session cookie and go to the queue."""
    lang = request_lang(request)
    if not websession.check_login_csrf(settings, request, csrf_token):
        return _login_form(
            request, settings, next, translate(lang, "login.expired_form"), "error", 403
        )
    client = request.client.host if request.client else "unknown"
    wait = _login_limiter(request).take(f"login:{client}")
    if wait > 0:
        response = _login_form(
            request, settings, next, translate(lang, "login.invalid"), "error", 429
        )
        response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        return response
    try:
        principal = auth_deps.authenticate(request, session, key.strip()) if key.strip() else None
    except WaspadaError as refused:  # too many failed tries: answered before any hashing
        response = _login_form(
            request, settings, next, translate(lang, "login.invalid"), "error", 429
        )
        response.headers["Retry-After"] = refused.headers["Retry-After"]
        return response
    if principal is None or principal.key_id is None:
        return _login_form(request, settings, next, translate(lang, "login.invalid"), "error", 401)
    ws = websession.new_session(settings, principal.key_id)
    response = see_other(safe_next(next))
    websession.set_session_cookie(response, request, settings, ws)
    response.delete_cookie(websession.LOGIN_CSRF_COOKIE, path="/ui")
    return response


@router.post("/ui/logout")
def logout(
    request: Request,
    session: SessionDep,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """End the session (CSRF-checked so another site cannot log a reviewer out)."""
    found = webauth.current(request, session)
    if found is not None and not websession.check_csrf(found[1], request, csrf_token):
        raise Forbidden("error.csrf")
    if found is not None:
        # Issue 13: end the session server-side too; a copied cookie stops working now.
        ws = found[1]
        key_repo.revoke_session(session, ws.sid, datetime.fromtimestamp(ws.expires_at, UTC))
    response = see_other("/ui/login?msg=out")
    websession.clear_session_cookie(response, request)
    return response
