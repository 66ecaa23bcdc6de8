"""RFC 9457 problem details: one JSON error shape for every failure."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

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


class Problem(Exception):
    """An error the client can act on, rendered as application/problem+json."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        type_: str = "about:blank",
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type_
        self.extra = extra
        self.headers: dict[str, str] = {}


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


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem details."""

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            exc.status, exc.title, exc.detail, exc.type, headers=exc.headers or None, **exc.extra
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = _phrase(exc.status_code)
        detail = exc.detail if isinstance(exc.detail, str) else None
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            # Starlette names only the first route's methods; a path served by several
            # routes (POST and DELETE /items/{id}/claim) must list them all.
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return problem_response(exc.status_code, title, detail, headers=headers or None)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return problem_response(
            422, "Unprocessable Content", "request validation failed", errors=errors
        )

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(
            500, "Internal Server Error", "an unexpected error occurred; it has been logged"
        )


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
