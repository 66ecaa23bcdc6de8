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


class JobTurn(Base):
    """When a fleet-wide periodic job may next run, and which scheduler ran it last.

    Why: N schedulers tick the same jobs; a job that must run once per period (alert
    evaluation, drift watch, audit checkpoint) runs where a conditional UPDATE moves
    `next_run_at` forward, and every other scheduler's tick in that period skips it.
    """

    __tablename__ = "job_turns"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    next_run_at: Mapped[datetime]
    owner: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime | None]
