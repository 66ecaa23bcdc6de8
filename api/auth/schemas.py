"""Shared OpenAPI response descriptions for authenticated endpoints."""

from __future__ import annotations

from typing import Any

AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing, invalid, expired or revoked API key (problem details)"},
    403: {"description": "The key's role may not perform this action (problem details)"},
    429: {"description": "Rate limit exceeded; see Retry-After (problem details)"},
}
