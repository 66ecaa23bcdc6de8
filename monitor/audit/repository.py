"""Queries on the audit chain."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Row, func, select, text
from sqlalchemy.orm import Session

from monitor.audit.models import AuditEvent

# Why: one constant advisory-lock id serialises appends to the chain across every
# process on PostgreSQL; released automatically at commit or rollback.
_CHAIN_LOCK_ID = 0x57A5_ADA0


def lock_chain(session: Session) -> None:
    """Serialise appends until this transaction ends (advisory lock; SQLite write lock)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _CHAIN_LOCK_ID})
    else:
        # A no-op write takes SQLite's database write lock before the tip is read, so
        # a second writer waits (busy_timeout) instead of reading a stale tip.
        session.execute(text("UPDATE audit_events SET id = id WHERE 0 = 1"))


def tip_hash(session: Session) -> str | None:
    """Return the hash of the newest event."""
    return session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))


def add(session: Session, event: AuditEvent) -> AuditEvent:
    """Append an event and assign its id."""
    session.add(event)
    session.flush()
    return event


def iter_chain(session: Session, batch: int = 1000) -> Iterator[Row[Any]]:
    """Yield every event as a plain row in chain order, a batch at a time (bounded memory)."""
    cols = [c for c in AuditEvent.__table__.c]
    last = 0
    while True:
        rows = session.execute(
            select(*cols).where(AuditEvent.id > last).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def for_entity(session: Session, entity_type: str, entity_id: str) -> Sequence[AuditEvent]:
    """Return one entity's events, oldest first."""
    return session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.id)
    ).all()


def count_and_head(session: Session) -> tuple[int, int | None, str | None]:
    """Return how many events exist and the newest one's id and MAC."""
    count = int(session.scalar(select(func.count(AuditEvent.id))) or 0)
    head = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    return count, (int(head[0]) if head else None), (str(head[1]) if head else None)
