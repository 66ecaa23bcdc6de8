"""RFC 9457 problem details: one JSON error shape for every failure."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import Scope

from api.web.rendering import render, request_lang, secure, to_login
from monitor.core.errors import Unauthorized, WaspadaError
from monitor.core.i18n import DEFAULT_LANG, translate
from monitor.core.messages import from_accept_language

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
WWW_AUTH = 'Bearer realm="waspada", charset="UTF-8"'

# The one error body every endpoint answers with (RFC 9457), as an OpenAPI component.
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "example": "about:blank"},
        "title": {"type": "string", "example": "Not Found"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599, "example": 404},
        "detail": {"type": "string", "example": "no item with this id"},
        "errors": {
            "type": "array",
            "description": "Validation failures (422 only)",
            "items": {"type": "object"},
        },
    },
    "additionalProperties": True,
}


class LoginRequired(Unauthorized):
    """A web page needs a logged-in browser: pages redirect to the login form."""

    def __init__(self, *, redirect: bool = True, ended: bool = False) -> None:
        super().__init__("error.unauthorized")
        self.redirect = redirect
        self.ended = ended


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """Build a problem+json response."""
    body: dict[str, Any] = {"type": type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def api_lang(request: Request) -> str:
    """Language of an answer: Accept-Language, then the page's ?lang= or cookie, else Indonesian."""
    if request.url.path.startswith("/ui/"):
        return request_lang(request)  # the page's language, whatever the browser's default
    return from_accept_language(request.headers.get("accept-language")) or request_lang(request)


def scope_lang(scope: Scope) -> str:
    """Language for answers built before routing (middleware): Accept-Language, else Indonesian."""
    header = dict(scope.get("headers") or []).get(b"accept-language", b"").decode("latin-1")
    return from_accept_language(header) or DEFAULT_LANG


def title_of(lang: str, status: int) -> str:
    """Return the problem title for a status in lang (RFC 9110 phrase in English)."""
    title = translate(lang, f"problem.{status}")
    return translate(lang, "problem.other") if title.startswith("problem.") else title


def _is_page(request: Request) -> bool:
    """A browser asking a /ui/ page (not a fetch() wanting JSON)."""
    path = request.url.path
    return path.startswith("/ui/") and "application/json" not in request.headers.get("accept", "")


def error_response(request: Request, exc: WaspadaError) -> Response:
    """The one translation of a domain error: problem+json, an error page, or the login form."""
    lang = api_lang(request)
    page = _is_page(request)
    if isinstance(exc, LoginRequired):
        if exc.redirect and page:
            return to_login(request, "ended" if exc.ended else None)
        page = False  # a fragment fetched by the page's script gets problem details
    elif page and exc.key == "error.key_missing":
        # A page that also takes API keys (the map): a browser with neither a key nor a
        # session is sent to the login form, like every other page, not shown a bare 401.
        return to_login(request)
    if page:
        user = getattr(request.state, "web_user", None)
        response: Response = render(
            request,
            "error.html",
            {"message": exc.message(lang)},
            principal=user.principal if user else None,
            csrf=user.csrf if user else None,
            status_code=exc.status,
        )
    else:
        headers = dict(exc.headers)
        if exc.status == 401:
            headers.setdefault("WWW-Authenticate", WWW_AUTH)
        response = problem_response(
            exc.status, title_of(lang, exc.status), exc.message(lang), headers=headers or None
        )
        response.headers["Content-Language"] = lang
    if request.url.path.startswith("/ui/"):
        secure(response)
    return response


# PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout (or a cancel request).
QUERY_CANCELED = "57014"


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem details (or a page)."""

    @app.exception_handler(WaspadaError)
    async def _domain(request: Request, exc: WaspadaError) -> Response:
        return error_response(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        lang = api_lang(request)
        detail: str | None = exc.detail if isinstance(exc.detail, str) else None
        if detail == _phrase(exc.status_code):
            detail = None  # Starlette's default detail only repeats the title
        elif detail in _FRAMEWORK_DETAILS:
            detail = translate(lang, _FRAMEWORK_DETAILS[detail])
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            # Starlette names only the first route's methods; a path served by several
            # routes (POST and DELETE /items/{id}/claim) must list them all.
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return problem_response(
            exc.status_code, title_of(lang, exc.status_code), detail, headers=headers or None
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        lang = api_lang(request)
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return problem_response(
            422, title_of(lang, 422), translate(lang, "error.validation"), errors=errors
        )

    @app.exception_handler(OperationalError)
    async def _cancelled(request: Request, exc: OperationalError) -> Response:
        if getattr(exc.orig, "sqlstate", None) != QUERY_CANCELED:
            raise exc  # any other database failure: a logged 500 (RequestContextMiddleware)
        # WASPADA_API_STATEMENT_TIMEOUT cut a statement off: the service is overloaded or
        # the query is too wide; the client may retry later or narrow its filters.
        log.warning("statement timeout", extra={"path": request.url.path})
        lang = api_lang(request)
        problem = problem_response(503, title_of(lang, 503), translate(lang, "error.too_slow"))
        problem.headers["Retry-After"] = "5"
        return problem

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", extra={"path": request.url.path})
        lang = api_lang(request)
        return problem_response(500, title_of(lang, 500), translate(lang, "error.unexpected"))


# Texts FastAPI writes itself that a person may read, and their keys.
_FRAMEWORK_DETAILS = {"There was an error parsing the body": "error.body_parse"}


def _phrase(status: int) -> str:
    """Return the standard reason phrase (RFC 9110 names 413 'Content Too Large')."""
    if status == 413:
        return "Content Too Large"
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(request: Request) -> list[str]:
    """Return every method some route serves at this request's path (probing each method)."""
    allowed = []
    for method in _METHODS:
        scope = {**request.scope, "method": method, "path_params": {}}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return sorted(allowed)


_AUTH_ERRORS = {
    "401": "Missing, invalid, expired or revoked API key",
    "403": "The key's role may not perform this action",
    "429": "Rate limit for this key exceeded; see Retry-After",
}


def document(app: FastAPI) -> None:
    """Make the OpenAPI schema say what errors really look like: problem+json everywhere."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        ref = {"$ref": "#/components/schemas/Problem"}
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                responses = operation.get("responses", {})
                if path.startswith("/api/v1/"):
                    # Every /api/v1 route authenticates, checks a policy and rate-limits.
                    for code, text in _AUTH_ERRORS.items():
                        responses.setdefault(code, {"description": text})
                if "requestBody" in operation:
                    responses.setdefault("400", {"description": "Body is not valid JSON"})
                    responses.setdefault("413", {"description": "Request body too large"})
                if any(p.get("in") == "path" for p in operation.get("parameters", [])):
                    # Every id in a path may be unknown (or, the same answer, out of scope).
                    responses.setdefault("404", {"description": "Not found within your scope"})
                for code, response in responses.items():
                    if code[0] in "45":
                        response["content"] = {PROBLEM_JSON: {"schema": ref}}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
