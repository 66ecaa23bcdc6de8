"""One error base for every domain: a code, an HTTP-ish status, a translation key and params.

Services raise these; the edges translate them once: the API answers problem+json in the
caller's language, the web pages render an error page, the CLI prints one line and exits 1.
"""

from __future__ import annotations

from typing import ClassVar

from monitor.core.i18n import DEFAULT_LANG
from monitor.core.messages import format_message


class WaspadaError(Exception):
    """An error a person can act on; `key` names its message in `monitor.core.i18n`."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    default_key: ClassVar[str] = "error.bad_request"

    def __init__(self, key: str | None = None, /, **params: object) -> None:
        self.key = key or self.default_key
        self.params = params
        # Extra response headers an HTTP edge sends with it (Retry-After, WWW-Authenticate).
        self.headers: dict[str, str] = {}
        super().__init__(self.message("en"))

    def message(self, lang: str = DEFAULT_LANG) -> str:
        """Return the message in `lang` with its params filled in."""
        return format_message(lang, self.key, self.params)

    @property
    def detail(self) -> str:
        """The English message (logs, tests and bulk results that predate translation)."""
        return self.message("en")


class BadRequest(WaspadaError):
    """The request is malformed (a bad cursor, an unknown sort)."""


class Unauthorized(WaspadaError):
    """No valid credentials."""

    status = 401
    code = "unauthorized"
    default_key = "error.unauthorized"


class Forbidden(WaspadaError):
    """The caller's role or scope does not allow this."""

    status = 403
    code = "forbidden"
    default_key = "error.forbidden"


class NotFound(WaspadaError):
    """Nothing with that id within the caller's scope."""

    status = 404
    code = "not_found"
    default_key = "error.not_found"


class MethodNotAllowed(WaspadaError):
    """The path exists but not with this method."""

    status = 405
    code = "method_not_allowed"
    default_key = "error.method_not_allowed"


class Conflict(WaspadaError):
    """Someone else holds or changed the thing first."""

    status = 409
    code = "conflict"
    default_key = "error.conflict"


class Invalid(WaspadaError):
    """Well-formed input that cannot apply here."""

    status = 422
    code = "invalid"
    default_key = "error.bad_input"


class TooManyRequests(WaspadaError):
    """Slow down (see the Retry-After header)."""

    status = 429
    code = "too_many_requests"
    default_key = "error.rate_limited"


class Unavailable(WaspadaError):
    """A part this request needs is not installed or not reachable here (try again later)."""

    status = 503
    code = "unavailable"
    default_key = "error.unavailable"
