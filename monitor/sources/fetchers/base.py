"""What a fetcher is: `fetch(source, state) -> (items, new_state)`, and nothing about the DB."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from monitor.posts.schemas import PostIn
from monitor.sources.http import HttpClient


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


class Fetcher(Protocol):
    """One source kind: turns a source and its state into items and the next state."""

    kind: ClassVar[str]

    def fetch(self, source: SourceConfig, state: FetchState) -> tuple[list[PostIn], FetchState]:
        """Fetch new items; raise FetchError (with `partial` if anything was gathered first)."""
        ...


class HttpFetcher:
    """Base for fetchers that speak HTTP through the shared client."""

    kind: ClassVar[str] = ""

    def __init__(self, client: HttpClient) -> None:
        self.client = client


_SPACE = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def html_to_text(html: str) -> str:
    """Return the visible text of an HTML fragment (scripts, styles and tags removed)."""
    if "<" not in html:
        return html.strip()
    tree = HTMLParser(html)
    for node in tree.css("script, style, noscript, template, iframe"):
        node.decompose()
    for br in tree.css("br"):
        br.replace_with("\n")
    for block in tree.css("p, div, li, h1, h2, h3, h4, blockquote"):
        block.insert_after("\n")
    root = tree.body or tree.root
    text = root.text(separator="", strip=False) if root is not None else ""
    text = _SPACE.sub(" ", text)
    return _BLANK_LINES.sub("\n\n", "\n".join(line.strip() for line in text.splitlines())).strip()


def parse_time(value: Any) -> datetime | None:
    """Parse ISO 8601 strings or epoch seconds into aware UTC datetimes (None when unusable)."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, int | float):
            return datetime.fromtimestamp(float(value), UTC)
        text = str(value).strip().replace("Z", "+00:00")
        parsed = datetime.fromisoformat(text)
    except (ValueError, OverflowError, OSError):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def int_or_none(value: Any) -> int | None:
    """Return value as int, or None."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
