"""Source rows: what to collect, and the schedule state that makes the database the schedule."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from monitor.core.base import Base, JSONType, TimestampMixin, utcnow


class Source(TimestampMixin, Base):
    """A feed, API endpoint, channel or file drop that yields posts."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(Text)
    config: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    is_factchecker: Mapped[bool] = mapped_column(Boolean, default=False)
    default_region_code: Mapped[str | None] = mapped_column(String(20))
    interval_seconds: Mapped[int] = mapped_column(Integer, default=900)
    # enabled: the human switch; system_disabled: set after repeated failures, with a reason.
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    system_disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    next_fetch_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_fetch_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    failure_count: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    cursor: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None]
    stats: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
