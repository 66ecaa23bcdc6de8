"""Signed session cookies for the review page: who is logged in, until when, and the CSRF token.

The cookie holds only the key's id, an expiry and a random CSRF token, signed with the
session secret; the API key itself never leaves the login request. Every request re-checks
the key in the database, so revoking or expiring a key ends its web sessions at once.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response

from api.web.secret import session_secret
from monitor.core.settings import Settings

COOKIE = "waspada_session"
LOGIN_CSRF_COOKIE = "waspada_login_csrf"
LANG_COOKIE = "waspada_lang"
_SALT = "waspada.web.session.v1"
_LOGIN_SALT = "waspada.web.login.v1"
# Why: a cookie far larger than ours is garbage or an attack; don't spend HMAC time on it.
_MAX_COOKIE_CHARS = 1024


@dataclass(frozen=True)
class WebSession:
    """The decoded contents of a valid session cookie."""

    key_id: int
    csrf: str
    expires_at: float
    # Names the session server-side, so logout can end it before the cookie expires.
    sid: str = ""

    @property
    def expired(self) -> bool:
        """Tell whether the session's lifetime is over."""
        return time.time() >= self.expires_at


def _serializer(settings: Settings, salt: str) -> URLSafeSerializer:
    return URLSafeSerializer(session_secret(settings), salt=salt)


def new_session(settings: Settings, key_id: int) -> WebSession:
    """Start a session for a verified key, with a fresh CSRF token."""
    ttl = settings.web_session_ttl.total_seconds()
    return WebSession(
        key_id=key_id,
        csrf=secrets.token_urlsafe(32),
        expires_at=time.time() + ttl,
        sid=secrets.token_urlsafe(24),
    )


def encode(settings: Settings, ws: WebSession) -> str:
    """Sign a session into a cookie value."""
    payload = {"k": ws.key_id, "c": ws.csrf, "e": int(ws.expires_at), "s": ws.sid}
    return str(_serializer(settings, _SALT).dumps(payload))


def decode(settings: Settings, raw: str | None) -> WebSession | None:
    """Return the session in a cookie value, or None if missing, forged, malformed or expired."""
    if not raw or len(raw) > _MAX_COOKIE_CHARS:
        return None
    try:
        data = _serializer(settings, _SALT).loads(raw)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    key_id, csrf, exp, sid = data.get("k"), data.get("c"), data.get("e"), data.get("s")
    if not (isinstance(key_id, int) and isinstance(csrf, str) and isinstance(exp, int)):
        return None
    if not isinstance(sid, str) or not sid:
        return None  # a cookie from before server-side sessions: log in again
    ws = WebSession(key_id=key_id, csrf=csrf, expires_at=float(exp), sid=sid)
    return None if ws.expired else ws


def from_request(settings: Settings, request: Request) -> WebSession | None:
    """Return the request's valid session, if any."""
    return decode(settings, request.cookies.get(COOKIE))


def is_https(request: Request) -> bool:
    """Tell whether the page was served over https (uvicorn applies trusted proxy headers)."""
    return request.url.scheme == "https"


def set_session_cookie(
    response: Response, request: Request, settings: Settings, ws: WebSession
) -> None:
    """Attach the session cookie: HttpOnly, SameSite=Strict, Secure on https."""
    response.set_cookie(
        COOKIE,
        encode(settings, ws),
        max_age=max(1, int(ws.expires_at - time.time())),
        path="/",
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    """Remove the session cookie."""
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="strict", secure=is_https(request)
    )


def login_csrf(settings: Settings, request: Request) -> tuple[str, str]:
    """Return (token for the login form, signed cookie value) reusing a valid existing one."""
    raw = request.cookies.get(LOGIN_CSRF_COOKIE)
    ser = _serializer(settings, _LOGIN_SALT)
    if raw and len(raw) <= _MAX_COOKIE_CHARS:
        try:
            token = ser.loads(raw)
            if isinstance(token, str):
                return token, raw
        except BadSignature:
            pass
    token = secrets.token_urlsafe(32)
    return token, str(ser.dumps(token))


def check_login_csrf(settings: Settings, request: Request, submitted: str) -> bool:
    """Tell whether the login form's token matches its signed cookie (double submit)."""
    raw = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not raw or len(raw) > _MAX_COOKIE_CHARS or not submitted:
        return False
    try:
        token = _serializer(settings, _LOGIN_SALT).loads(raw)
    except BadSignature:
        return False
    return isinstance(token, str) and secrets.compare_digest(token, submitted)


def set_login_csrf_cookie(response: Response, request: Request, value: str) -> None:
    """Attach the login form's CSRF cookie."""
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        value,
        max_age=3600,
        path="/ui",
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )


def check_csrf(ws: WebSession, request: Request, submitted: str | None) -> bool:
    """Tell whether a state-changing request carries the session's CSRF token."""
    token = submitted or request.headers.get("x-csrf-token") or ""
    return bool(token) and secrets.compare_digest(token.encode(), ws.csrf.encode())
