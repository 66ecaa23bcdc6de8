"""Liveness heartbeats written by long-running processes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from monitor.core.base import Base, utcnow


class Heartbeat(Base):
    """The last time a named process (scheduler, worker) reported itself alive."""

    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(default=utcnow)
    info: Mapped[str | None] = mapped_column(String(500))
