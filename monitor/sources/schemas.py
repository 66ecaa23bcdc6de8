"""Source definitions as users write them (sources file, CLI) and as the API shows them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# The source kinds a collector exists for (`monitor.collectors.fetchers.FETCHERS`; a test keeps
# the two equal). Why a copy: sources sit below collectors and must not import them.
KINDS = ("mastodon", "reddit", "rss", "telegram", "wordpress")

_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{0,199}$")
# Why 60 s: faster than a minute is impolite to every source kind we support.
MIN_INTERVAL = 60


def parse_interval(value: str | int) -> int:
    """Parse "15m", "2h", "1d", "90s" or plain seconds into seconds."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    match = _INTERVAL.match(str(value).lower())
    if not match:
        raise ValueError(f"interval {value!r} is not like 15m, 2h, 1d or 900")
    return int(match.group(1)) * _UNITS[match.group(2)]


class SourceSpec(BaseModel):
    """One source as declared in the sources file or `waspada sources add`."""

    model_config = ConfigDict(extra="forbid")

    name: str
    kind: str
    url: str
    enabled: bool = True
    interval: int = Field(default=900, description="seconds; '15m', '2h' accepted")
    factchecker: bool = False
    region: str | None = Field(default=None, max_length=20)
    language: str | None = Field(default=None, max_length=10)
    config: dict[str, Any] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError("use lowercase letters, digits, '-', '_' or '.' (max 200)")
        return value

    @field_validator("interval", mode="before")
    @classmethod
    def _interval(cls, value: Any) -> int:
        seconds = parse_interval(value)
        if seconds < MIN_INTERVAL:
            raise ValueError(f"interval must be at least {MIN_INTERVAL} seconds")
        return seconds

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL")
        return value

    @model_validator(mode="after")
    def _kind(self) -> SourceSpec:
        if self.kind not in KINDS:
            raise ValueError(f"kind {self.kind!r} unknown; known: {', '.join(sorted(KINDS))}")
        return self


class SourceOut(BaseModel):
    """A source with its schedule state and statistics (API and `sources list --json`)."""

    name: str
    kind: str
    url: str
    enabled: bool
    system_disabled: bool
    disabled_reason: str | None
    factchecker: bool
    interval_seconds: int
    next_fetch_at: datetime
    last_fetch_at: datetime | None
    last_success_at: datetime | None
    failure_count: int
    last_error: str | None
    dropped_last_run: int = Field(
        default=0, description="items refused last run (reasons in stats.last_drop_reasons)"
    )
    dropped_total: int = 0
    stats: dict[str, Any]
