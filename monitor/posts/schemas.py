"""The one shape every ingest path accepts: fetchers, files and the push API."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from monitor.posts.canonical import derived_id

MAX_TEXT_CHARS = 100_000
# Why: PostgreSQL text refuses NUL, and other C0 controls only break terminals and exports.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PLATFORM = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,39}$")


# Dates outside this range are typing errors or attacks, not publication times; the upper
# bound also keeps a far-future item from moving a collector's cursor past everything real.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)


def in_sane_range(value: datetime) -> bool:
    """Return whether an aware datetime lies between 1900 and one day from now."""
    try:
        return EARLIEST <= value <= datetime.now(UTC) + FUTURE_SLACK
    except (OverflowError, TypeError):
        return False


def clean_text(value: str) -> str:
    """Remove control characters (NUL included) and surrounding whitespace."""
    return _CONTROL.sub("", value).strip()


MAX_RAW_DEPTH = 20


def clean_raw(value: Any) -> Any:
    """Return JSON with NUL removed from strings and non-finite numbers nulled; refuse depth."""
    return _clean_json(value, 1)


def _clean_json(node: Any, depth: int) -> Any:
    # PostgreSQL's jsonb refuses \u0000 and NaN; SQLite would store them and export them.
    # Recursion is safe: it stops at MAX_RAW_DEPTH whatever the input's nesting.
    if isinstance(node, str):
        return node.replace("\x00", "") if "\x00" in node else node
    if isinstance(node, float) and not math.isfinite(node):
        return None
    if isinstance(node, dict | list | tuple):
        if depth > MAX_RAW_DEPTH:
            raise ValueError(f"nested deeper than {MAX_RAW_DEPTH} levels")
        if isinstance(node, dict):
            return {str(k).replace("\x00", ""): _clean_json(v, depth + 1) for k, v in node.items()}
        return [_clean_json(v, depth + 1) for v in node]
    return node


class PostIn(BaseModel):
    """A post as it arrives, before it is stored."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    platform: str = Field(min_length=1, max_length=40, description="e.g. rss, mastodon, x, file")
    external_id: str | None = Field(default=None, max_length=500)
    url: str | None = Field(default=None, max_length=4000)
    author: str | None = Field(default=None, max_length=500)
    title: str | None = Field(default=None, max_length=2000)
    text: str = Field(default="", max_length=MAX_TEXT_CHARS)
    published_at: datetime | None = None
    language: str | None = Field(default=None, max_length=10)
    region_code: str | None = Field(default=None, max_length=20)
    raw: dict[str, Any] | None = None

    @field_validator("platform")
    @classmethod
    def _platform(cls, value: str) -> str:
        value = value.lower()
        if not _PLATFORM.match(value):
            raise ValueError("must be a short lowercase name such as rss, mastodon or x")
        return value

    @field_validator("external_id", "author", "title", "language", "region_code", mode="before")
    @classmethod
    def _blank_to_none(cls, value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str):
            value = clean_text(value)
            return value or None
        return value

    @field_validator("text", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return clean_text(value) if isinstance(value, str) else value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not re.match(r"^https?://[^\s/]+", value, re.IGNORECASE):
            raise ValueError("must be an http(s) URL")
        if _CONTROL.search(value) or "\n" in value or "\r" in value or "\t" in value:
            raise ValueError("must not contain control characters")
        return value

    @field_validator("raw", mode="before")
    @classmethod
    def _raw(cls, value: Any) -> Any:
        return clean_raw(value) if value is not None else None

    @field_validator("published_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("needs a timezone (add Z or +07:00)")
        try:
            value = value.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValueError("date out of range (it has no UTC equivalent)") from None
        if not in_sane_range(value):
            raise ValueError("date out of range (must lie between 1900 and tomorrow)")
        return value

    @model_validator(mode="after")
    def _complete(self) -> PostIn:
        if not self.text:
            if not self.title:
                raise ValueError("text is empty (and there is no title to use instead)")
            self.text = self.title
        if not self.external_id:
            # Items without ids are identified by their URL, else by their content.
            self.external_id = derived_id(self.url) if self.url else derived_id(self.text)
        return self

    @property
    def key(self) -> tuple[str, str]:
        """Return the (platform, external_id) identity."""
        return (self.platform, self.external_id or "")


class IngestBatch(BaseModel):
    """Body of POST /api/v1/ingest: up to 1,000 posts, validated one by one."""

    posts: list[dict[str, Any]] = Field(min_length=1, max_length=1000)
    source: str | None = Field(default=None, description="name of a registered source")


class Rejection(BaseModel):
    """An input item that was not stored, and why."""

    index: int
    errors: list[str]


class IngestReport(BaseModel):
    """What an ingest did."""

    received: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    factchecks: int = 0
    rejected: list[Rejection] = Field(default_factory=list)
