"""What a fetcher may read of a source row, and the state it carries between runs."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class SourceConfig:
    """The parts of a source row a fetcher may read."""

    name: str
    kind: str
    url: str
    config: dict[str, Any] = field(default_factory=dict)
    is_factchecker: bool = False


@dataclass(frozen=True)
class FetchState:
    """Conditional-GET validators and the kind-specific cursor, carried between runs."""

    etag: str | None = None
    last_modified: str | None = None
    cursor: str | None = None

    def with_(self, **changes: Any) -> FetchState:
        """Return a copy with some fields replaced."""
        return replace(self, **changes)
