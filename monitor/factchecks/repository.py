"""Every query on `factchecks`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from monitor.factchecks.models import FactCheck


def by_keys(session: Session, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], FactCheck]:
    """Return existing fact-checks by (publisher, external id)."""
    wanted = list(keys)
    found: dict[tuple[str, str], FactCheck] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.scalars(
            select(FactCheck).where(tuple_(FactCheck.publisher, FactCheck.external_id).in_(chunk))
        )
        found.update({(r.publisher, r.external_id): r for r in rows})
    return found


def after_id(session: Session, last_id: int, limit: int = 5000) -> Sequence[FactCheck]:
    """Return fact-checks with an id above last_id, oldest first (incremental indexing)."""
    stmt = select(FactCheck).where(FactCheck.id > last_id).order_by(FactCheck.id).limit(limit)
    return session.scalars(stmt).all()


def count_and_max_id(session: Session) -> tuple[int, int]:
    """Return how many fact-checks exist and the largest id (0 when empty)."""
    count, max_id = session.execute(select(func.count(FactCheck.id), func.max(FactCheck.id))).one()
    return int(count or 0), int(max_id or 0)


def recent(session: Session, limit: int = 20, publisher: str | None = None) -> Sequence[FactCheck]:
    """Return the newest fact-checks, optionally of one publisher."""
    stmt = select(FactCheck).order_by(FactCheck.id.desc()).limit(limit)
    if publisher is not None:
        stmt = stmt.where(FactCheck.publisher == publisher)
    return session.scalars(stmt).all()


def get(session: Session, pk: int) -> FactCheck | None:
    """Return one fact-check by database id."""
    return session.get(FactCheck, pk)


def text_length(session: Session, up_to_id: int) -> int:
    """Return the total length of titles and claims of rows with id <= up_to_id.

    A cheap fingerprint: an in-place edit of indexed text almost always changes it.
    """
    total = func.length(FactCheck.title) + func.length(func.coalesce(FactCheck.claim, ""))
    return int(session.scalar(select(func.sum(total)).where(FactCheck.id <= up_to_id)) or 0)
