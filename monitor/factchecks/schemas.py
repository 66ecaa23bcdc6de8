"""Fact-check import records and the per-line parsing of JSONL files."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

# Column limits of the `factchecks` table, checked here so a bad line is named, not the batch.
MAX_ID = 500
MAX_PUBLISHER = 200
MAX_VERDICT = 40
MAX_TEXT = 100_000
MAX_RATING = 100
MAX_APPEARANCES = 20
FIELDS = frozenset(
    {"id", "title", "claim", "url", "verdict", "published_at", "publisher", "rating", "appearances"}
)


@dataclass(frozen=True)
class FactCheckIn:
    """One validated fact-check record."""

    external_id: str
    title: str
    publisher: str = ""
    claim: str | None = None
    url: str | None = None
    verdict: str | None = None
    published_at: datetime | None = None
    rating: str | None = None
    appearances: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        """Return the upsert key (publisher, external id)."""
        return (self.publisher, self.external_id)


@dataclass
class LineError:
    """Why one line of an import file was refused."""

    line: int
    message: str

    def __str__(self) -> str:
        # Line 0: an error of a whole-file format (ClaimReview JSON, HTML) names its item.
        return self.message if self.line == 0 else f"line {self.line}: {self.message}"


@dataclass
class ParsedFile:
    """The valid records (with their line numbers) and the errors of one import file."""

    records: list[tuple[int, FactCheckIn]] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    duplicates: int = 0


def _text(obj: dict[str, Any], name: str, limit: int, required: bool) -> str | None:
    value = obj.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError(f"missing required field '{name}'")
        return None
    if isinstance(value, int) and not isinstance(value, bool) and name == "id":
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"'{name}' must be a string, got {type(value).__name__}")
    value = value.strip()
    if "\x00" in value:
        raise ValueError(f"'{name}' contains a NUL character")
    if len(value) > limit:
        raise ValueError(f"'{name}' is {len(value)} characters; the limit is {limit}")
    return value


def _datetime(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError("'published_at' must be an ISO 8601 string")
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"'published_at' is not an ISO 8601 date: {value[:40]!r}") from None
    if parsed.tzinfo is None:
        raise ValueError("'published_at' has no timezone; add one (e.g. +07:00 or Z)")
    return parsed.astimezone(UTC)


def parse_record(obj: Any, default_publisher: str = "") -> FactCheckIn:
    """Validate one decoded JSON value into a record, or raise ValueError saying why."""
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    publisher = _text(obj, "publisher", MAX_PUBLISHER, False) or default_publisher
    return FactCheckIn(
        external_id=_text(obj, "id", MAX_ID, True) or "",
        title=_text(obj, "title", MAX_TEXT, True) or "",
        publisher=publisher,
        claim=_text(obj, "claim", MAX_TEXT, False),
        url=_text(obj, "url", MAX_TEXT, False),
        verdict=_text(obj, "verdict", MAX_VERDICT, False),
        published_at=_datetime(obj.get("published_at")),
        rating=_text(obj, "rating", MAX_RATING, False),
        appearances=_appearances(obj.get("appearances")),
    )


def _appearances(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("'appearances' must be a list of URL strings")
    if len(value) > MAX_APPEARANCES:
        raise ValueError(f"'appearances' has {len(value)} links; the limit is {MAX_APPEARANCES}")
    if any(len(v) > 2000 or "\x00" in v for v in value):
        raise ValueError("'appearances' holds a link over 2000 characters or with a NUL")
    return tuple(v.strip() for v in value if v.strip())


def parse_jsonl(data: bytes, default_publisher: str = "") -> ParsedFile:
    """Parse a JSONL file line by line; later duplicates of a key are reported, not imported."""
    out = ParsedFile()
    seen: dict[tuple[str, str], int] = {}
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]  # a UTF-8 byte-order mark from Windows editors
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            out.errors.append(LineError(number, f"not valid UTF-8 at byte {exc.start}"))
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            out.errors.append(LineError(number, f"invalid JSON: {exc.msg} (column {exc.colno})"))
            continue
        except RecursionError:
            out.errors.append(LineError(number, "JSON nested too deeply"))
            continue
        try:
            record = parse_record(obj, default_publisher)
        except ValueError as exc:
            out.errors.append(LineError(number, str(exc)))
            continue
        if record.key in seen:
            out.duplicates += 1
            first = seen[record.key]
            message = f"duplicate of line {first} (id {record.external_id!r})"
            out.errors.append(LineError(number, message))
            continue
        seen[record.key] = number
        out.records.append((number, record))
    return out
