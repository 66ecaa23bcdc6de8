"""What a fetcher is: `fetch(source, state) -> (items, new_state)`, and nothing about the DB."""

from __future__ import annotations

import hashlib
import html as htmllib
import logging
import re
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser

from monitor.collectors.fetchers.dates import parse_local_date
from monitor.posts.schemas import PostIn, in_sane_range
from monitor.sources.fetching import FetchState, SourceConfig
from monitor.sources.http import HttpClient

log = logging.getLogger(__name__)


class Fetcher(Protocol):
    """One source kind: turns a source and its state into items and the next state."""

    kind: ClassVar[str]

    def fetch(self, source: SourceConfig, state: FetchState) -> tuple[list[PostIn], FetchState]:
        """Fetch new items; raise FetchError (with `partial` if anything was gathered first)."""
        ...


# Why 20: a source's status shows why items were dropped without the stats growing unbounded.
_DROP_REASONS_KEPT = 20


class HttpFetcher:
    """Base for fetchers that speak HTTP through the shared client."""

    kind: ClassVar[str] = ""

    def __init__(self, client: HttpClient) -> None:
        self.client = client
        # Items this run refused (one line each); the run stores the count on the source.
        self.dropped: list[str] = []

    def drop(self, source: SourceConfig, what: str, reason: str) -> None:
        """Count an item the fetcher refused, so the source never shows `ok` over a silent loss."""
        self.dropped.append(f"{what}: {reason}"[:300])
        log.warning("item dropped", extra={"source": source.name, "item": what, "error": reason})


def scoped_id(scope: str, native: Any) -> str:
    """Return an item id qualified by its source (feeds reuse short ids such as 1..9)."""
    key = f"{scope}:{native}"
    if len(key) <= 500:
        return key
    return f"{scope}:sha256:{hashlib.sha256(str(native).encode()).hexdigest()}"


_ABSOLUTE = re.compile(r"^https?://[^\s/?#@]+(?:[/?#][^\s]*)?$", re.IGNORECASE)


def absolute_url(link: Any, *bases: str | None) -> str | None:
    """Resolve a link against the first usable base (page, site, feed); None if not http(s)."""
    if not isinstance(link, str) or not link.strip():
        return None
    link = link.strip()
    if _ABSOLUTE.match(link):
        return link  # the common case, without parsing
    for base in (*bases, ""):
        candidate = urljoin(base, link) if base else link
        parts = urlsplit(candidate)
        if parts.scheme in ("http", "https") and parts.netloc:
            return candidate
    return None


# Why: no-break, figure and narrow spaces (and the ideographic one) come from page layout,
# never from meaning; a search or a hash must not tell them apart from a space.
_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# An entity left after one decoding pass: the page encoded it twice (`&amp;#8216;`).
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")


def _normalise_space(text: str) -> str:
    text = _SPACE.sub(" ", text.replace("\r\n", "\n").replace("\u2028", "\n"))
    lines = "\n".join(line.strip() for line in text.splitlines())
    return _BLANK_LINES.sub("\n\n", lines).strip()


def _decode_leftovers(text: str) -> str:
    return _ENTITY.sub(lambda m: htmllib.unescape(m.group(0)), text) if "&" in text else text


def html_to_text(html: str) -> str:
    """Return the visible text of an HTML fragment: tags gone, entities decoded, spaces tidy."""
    if "<" not in html:
        return _normalise_space(_decode_leftovers(htmllib.unescape(html)))
    tree = HTMLParser(html)
    for node in tree.css("script, style, noscript, template, iframe"):
        node.decompose()
    for br in tree.css("br"):
        br.replace_with("\n")
    for block in tree.css("p, div, li, h1, h2, h3, h4, blockquote"):
        block.insert_after("\n")
    root = tree.body or tree.root
    text = root.text(separator="", strip=False) if root is not None else ""
    return _normalise_space(_decode_leftovers(text))


def parse_time(value: Any) -> datetime | None:
    """Parse ISO 8601, RFC 822 (local names too) or epoch seconds into sane aware UTC, or None."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            parsed = datetime.fromtimestamp(float(value), UTC)
        else:
            text = str(value).strip()[:100]
            try:
                parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:
                local = parse_local_date(text)
                if local is None:
                    return None
                parsed = local
        # Why inside the try: `0001-01-01T00:00:00+14:00` has no UTC equivalent.
        parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return parsed if in_sane_range(parsed) else None


def first_error(exc: Exception) -> str:
    """Return the first validation message of a rejected item, naming its field."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        try:
            first = errors()[0]
            return f"{'.'.join(str(p) for p in first['loc']) or 'item'}: {first['msg']}"
        except (IndexError, KeyError, TypeError):
            pass
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def int_or_none(value: Any) -> int | None:
    """Return value as int, or None."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
