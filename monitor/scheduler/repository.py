"""Queries on heartbeats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.core.base import utcnow
from monitor.scheduler.models import Heartbeat


def beat(session: Session, name: str, info: str | None = None) -> None:
    """Record that `name` is alive now."""
    row = session.get(Heartbeat, name)
    if row is None:
        session.add(Heartbeat(name=name, beat_at=utcnow(), info=info))
    else:
        row.beat_at = utcnow()
        row.info = info
    session.flush()


def last_beat(session: Session, name: str) -> datetime | None:
    """Return when `name` last reported itself alive."""
    return session.scalar(select(Heartbeat.beat_at).where(Heartbeat.name == name))
