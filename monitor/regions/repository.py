"""Every query the regions domain runs (regions, post_regions, IKP scores)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from monitor.core.idlist import int_in
from monitor.posts.models import PostRegion
from monitor.regions.models import IkpScore, Region
from monitor.sources.models import Source


def region_count(session: Session) -> int:
    """Count stored regions."""
    return int(session.scalar(select(func.count()).select_from(Region)) or 0)


def region_codes(session: Session) -> set[str]:
    """Return every stored region code."""
    return set(session.scalars(select(Region.code)))


def existing_codes(session: Session, codes: Iterable[str]) -> set[str]:
    """Return which of the given codes are stored."""
    wanted = list(set(codes))
    if not wanted:
        return set()
    return set(session.scalars(select(Region.code).where(Region.code.in_(wanted))))


def insert_regions(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert region rows (parents must come before children), skipping codes already there."""
    # Why ON CONFLICT: several schedulers (or ingest runs) on a fresh database may load the
    # list at once; the loser must skip the rows the winner stored, not fail its whole run.
    dialect = session.get_bind().dialect.name
    upsert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = upsert(Region).on_conflict_do_nothing(index_elements=[Region.code])
    for start in range(0, len(rows), 2000):
        session.execute(stmt, list(rows[start : start + 2000]))
    session.flush()


def update_region_names(session: Session, names: dict[str, str]) -> None:
    """Rename regions whose official name changed."""
    for code, name in names.items():
        region = session.get(Region, code)
        if region is not None:
            region.name = name
    session.flush()


def get_region(session: Session, code: str) -> Region | None:
    """Return one region by code."""
    return session.get(Region, code)


def children_of(session: Session, code: str | None, levels: Iterable[str]) -> list[Region]:
    """Return the direct children of a region (provinces when code is None)."""
    stmt = select(Region).where(Region.level.in_(list(levels))).order_by(Region.code)
    stmt = stmt.where(Region.parent_code.is_(None) if code is None else Region.parent_code == code)
    return list(session.scalars(stmt))


def regions_at(session: Session, levels: Iterable[str]) -> list[Region]:
    """Return every region at the given levels."""
    return list(
        session.scalars(select(Region).where(Region.level.in_(list(levels))).order_by(Region.code))
    )


def source_regions(session: Session, source_ids: Iterable[int]) -> dict[int, str]:
    """Map source ids to their default region codes (sources without one are left out)."""
    ids = list(set(source_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(Source.id, Source.default_region_code).where(
            Source.id.in_(ids), Source.default_region_code.is_not(None)
        )
    )
    return {sid: code for sid, code in rows if code}


def replace_text_regions(session: Session, post_ids: list[int], rows: list[dict[str, Any]]) -> None:
    """Replace the text-matched tags of posts; declared tags stay (re-tagging is idempotent).

    A row for a region the post already carries (declared by its sender or source) is
    skipped, so a declaration is never overwritten by a text match of the same region.
    """
    if not post_ids:
        return
    dialect = session.get_bind().dialect.name
    # On the table, not the entity: no walk of the session's objects, no ORM bulk path.
    table = cast(Table, PostRegion.__table__)
    conn = session.connection()
    conn.execute(
        delete(table).where(int_in(table.c.post_id, post_ids, dialect), table.c.origin == "text")
    )
    if rows:
        insert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
        # executemany of one cached statement (a literal VALUES list compiled anew per page).
        conn.execute(insert_fn(table).on_conflict_do_nothing(), list(rows))


def post_regions(session: Session, post_id: int) -> list[PostRegion]:
    """Return the region tags of one post."""
    stmt = select(PostRegion).where(PostRegion.post_id == post_id).order_by(PostRegion.region_code)
    return list(session.scalars(stmt))


def upsert_ikp(session: Session, scores: dict[str, float], now: datetime) -> None:
    """Store imported IKP scores, replacing earlier ones for the same regions."""
    for code, score in scores.items():
        row = session.get(IkpScore, code)
        if row is None:
            session.add(IkpScore(region_code=code, score=score, imported_at=now))
        else:
            row.score = score
            row.imported_at = now
    session.flush()


def ikp_scores(session: Session) -> dict[str, float]:
    """Return every imported IKP score by region code."""
    return {c: s for c, s in session.execute(select(IkpScore.region_code, IkpScore.score))}
