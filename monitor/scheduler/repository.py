"""Queries on heartbeats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.core.base import utcnow
from monitor.scheduler.models import Heartbeat, JobTurn


def beat(session: Session, name: str, info: str | None = None) -> None:
    """Record that `name` is alive now."""
    # Why one upsert: every scheduler (or worker) of a fleet beats under the same name, and
    # on a fresh database two first beats would both read "no row" and both INSERT.
    insert_fn = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    stmt = insert_fn(Heartbeat).values(name=name, beat_at=now, info=info)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[Heartbeat.name], set_={"beat_at": now, "info": info}
        )
    )


def last_beat(session: Session, name: str) -> datetime | None:
    """Return when `name` last reported itself alive."""
    return session.scalar(select(Heartbeat.beat_at).where(Heartbeat.name == name))


def take_turn(session: Session, name: str, now: datetime, until: datetime, owner: str) -> bool:
    """Claim this period's run of job `name` for `owner`; False when another scheduler has it."""
    # One conditional UPDATE: on PostgreSQL a concurrent claimer waits for the row lock,
    # re-reads next_run_at, and matches nothing, so exactly one scheduler wins the period.
    moved = session.execute(
        update(JobTurn)
        .where(JobTurn.name == name, JobTurn.next_run_at <= now)
        .values(next_run_at=until, owner=owner, started_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount:  # type: ignore[attr-defined]
        return True
    if session.get(JobTurn, name) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(JobTurn(name=name, next_run_at=until, owner=owner, started_at=now))
            session.flush()
    except IntegrityError:
        return False  # another scheduler's first run inserted the row first
    return True


def turns(session: Session) -> list[JobTurn]:
    """Return every periodic job's next turn (for status pages and tests)."""
    return list(session.scalars(select(JobTurn).order_by(JobTurn.name)))
