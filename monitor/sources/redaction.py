"""Source addresses as non-admins see them: credentials in URLs masked (issue 13)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from monitor.core.logging import redact
from monitor.sources.schemas import SourceOut

MASK = "***"
# Query parameters that carry credentials on the platforms Waspada reads.
_SECRET_PARAM = re.compile(
    r"(?i)^(.*(token|key|secret|password|passwd|pwd|auth|sig|signature|session|credential).*)$"
)
# user[:password]@ inside any URL in free text (an error message quoting the address).
_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/@\s]+@")


def redact_url(url: str) -> str:
    """Return the URL with its user, password and secret-looking query values masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _USERINFO.sub(rf"\1{MASK}@", redact(url))
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        query = urlencode([(k, MASK if _SECRET_PARAM.match(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str | None) -> str | None:
    """Mask credentials in free text such as a source's last error."""
    if text is None:
        return None
    return _USERINFO.sub(rf"\1{MASK}@", redact(text))


def for_non_admin(out: SourceOut) -> SourceOut:
    """Return a source's public view with credentials masked."""
    return out.model_copy(
        update={"url": redact_url(out.url), "last_error": redact_text(out.last_error)}
    )
