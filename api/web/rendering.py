"""Jinja2 environment, security headers and the page context every template gets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse, Response

from api.web.session import LANG_COOKIE, is_https
from monitor.core.i18n import pick_lang, translator
from monitor.core.localtime import ZONES
from monitor.keys.principal import Principal

TEMPLATE_DIR = Path(__file__).with_name("templates")
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

_loaders: list[FileSystemLoader] = [FileSystemLoader(TEMPLATE_DIR)]
env = Environment(
    loader=ChoiceLoader(_loaders),
    autoescape=select_autoescape(["html", "svg"], default_for_string=True, default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def add_template_dir(path: Path) -> None:
    """Let another area's pages (e.g. the province map) extend base.html and our partials."""
    if all(path not in loader.searchpath for loader in _loaders):
        _loaders.append(FileSystemLoader(path))


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
