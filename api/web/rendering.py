"""Jinja2 environment, security headers and the page context every template gets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse, Response

from api.web.session import LANG_COOKIE, is_https
from monitor.core.i18n import pick_lang, translator
from monitor.core.localtime import ZONES
from monitor.keys.principal import Principal

TEMPLATE_DIR = Path(__file__).with_name("templates")
# Every folder of page templates, listed here rather than added on import: the province map
# (api/regions) extends the review UI's base.html (nav, language switch, logout, headers).
TEMPLATE_DIRS: tuple[Path, ...] = (
    TEMPLATE_DIR,
    TEMPLATE_DIR.parent.parent / "regions" / "templates",
)
STATIC_DIR = Path(__file__).with_name("static")

# Why: no inline script or style anywhere, so the policy can forbid both; pages are never
# framed (clickjacking on review buttons) and send no referrer to the sources we link.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
}

env = Environment(
    loader=ChoiceLoader([FileSystemLoader(path) for path in TEMPLATE_DIRS]),
    autoescape=select_autoescape(["html", "svg"], default_for_string=True, default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def secure(response: Response, *, cache: bool = False) -> Response:
    """Attach the security headers; pages with data are never cached."""
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    if not cache:
        response.headers["Cache-Control"] = "no-store"
    return response


def request_lang(request: Request) -> str:
    """Return the UI language: ?lang=, then the language cookie, then Indonesian."""
    return pick_lang(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))


TZ_COOKIE = "waspada_tz"
TZ_CHOICES: tuple[str, ...] = ("auto", *ZONES)


def request_zone(request: Request) -> str | None:
    """Return the reader's chosen zone (?tz=, then the cookie), or None for the item's region."""
    for value in (request.query_params.get("tz"), request.cookies.get(TZ_COOKIE)):
        if value in TZ_CHOICES:
            return None if value == "auto" else value
    return None


def render(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    principal: Principal | None = None,
    csrf: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page with language, user and CSRF token, and the security headers."""
    lang = request_lang(request)
    zone = request_zone(request) or "auto"
    ctx = {
        "lang": lang,
        "t": translator(lang),
        "principal": principal,
        "csrf": csrf,
        "zone": zone,
        "zones": TZ_CHOICES,
        **context,
    }
    response = HTMLResponse(env.get_template(template).render(ctx), status_code=status_code)
    if request.query_params.get("tz") in TZ_CHOICES:
        response.set_cookie(
            TZ_COOKIE,
            zone,
            max_age=365 * 86400,
            path="/",
            samesite="lax",
            secure=is_https(request),
        )
    if request.query_params.get("lang") == lang:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=365 * 86400,
            path="/",
            samesite="lax",
            secure=is_https(request),
        )
    secure(response)
    return response


def safe_next(target: str | None) -> str:
    """Return a same-site /ui path to go to after login (never an open redirect)."""
    if target and re.fullmatch(r"/ui/[A-Za-z0-9/_\-?=&%.+]*", target) and "//" not in target:
        return target
    return "/ui/"


def see_other(url: str) -> Response:
    """Redirect after a form post (303), with the security headers."""
    return secure(RedirectResponse(url, status_code=303))


def to_login(request: Request, reason: str | None = None) -> Response:
    """Send an unauthenticated browser to the login page, remembering where it was going."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = f"/ui/login?next={quote(safe_next(target), safe='')}"
    if reason:
        url += f"&msg={reason}"
    return see_other(url)
