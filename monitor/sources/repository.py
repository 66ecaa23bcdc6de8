"""Every query on sources, including the one that defines "due"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from monitor.sources.models import Source


def _unleased(now: datetime) -> ColumnElement[bool]:
    return or_(Source.lease_expires_at.is_(None), Source.lease_expires_at < now)


def due(now: datetime) -> ColumnElement[bool]:
    """The one definition of "due": switched on, not system-disabled, time reached, unclaimed."""
    return and_(
        Source.enabled.is_(True),
        Source.system_disabled.is_(False),
        Source.next_fetch_at <= now,
        _unleased(now),
    )


def claim(
    session: Session,
    where: ColumnElement[bool],
    *,
    worker: str,
    until: datetime,
    limit: int,
) -> list[Source]:
    """Lease up to `limit` matching sources to `worker` (skipping rows others hold a lock on)."""
    stmt = select(Source).where(where).order_by(Source.next_fetch_at, Source.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        # Why: two schedulers on one database must never fetch the same source twice.
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(session.scalars(stmt))
    for row in rows:
        row.lease_owner = worker
        row.lease_expires_at = until
    session.flush()
    return rows


def claim_by_name(
    session: Session, name: str, *, worker: str, until: datetime, now: datetime
) -> Source | None:
    """Lease one source by name if no live lease holds it (any schedule state)."""
    rows = claim(
        session, and_(Source.name == name, _unleased(now)), worker=worker, until=until, limit=1
    )
    return rows[0] if rows else None


def get_for_update(session: Session, source_id: int) -> Source | None:
    """Return a source row locked for the rest of the transaction (PostgreSQL)."""
    stmt = select(Source).where(Source.id == source_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def by_name(session: Session, name: str) -> Source | None:
    """Return the source called `name`."""
    return session.scalar(select(Source).where(Source.name == name))


def all_sources(session: Session) -> list[Source]:
    """Return every source, by name."""
    return list(session.scalars(select(Source).order_by(Source.name)))


def add(session: Session, source: Source) -> Source:
    """Insert a source."""
    session.add(source)
    session.flush()
    return source


def release(session: Session, source_id: int, worker: str) -> None:
    """Drop `worker`'s lease on a source (no-op if someone else holds it now)."""
    session.execute(
        update(Source)
        .where(Source.id == source_id, Source.lease_owner == worker)
        .values(lease_owner=None, lease_expires_at=None)
    )


def release_all(session: Session) -> int:
    """Drop every source lease (SQLite start-up: the only process holding them has died)."""
    result = session.execute(
        update(Source)
        .where(Source.lease_owner.is_not(None))
        .values(lease_owner=None, lease_expires_at=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)
