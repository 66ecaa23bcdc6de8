"""The hot index of near-copy signatures: band lookups, first copies' signatures, pruning."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import chain
from typing import Any

import numpy as np
from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from monitor.clusters.models import PostBand, PostSignature
from monitor.core.idlist import int_in, int_not_in


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _plain_rows(session: Session, stmt: Select[Any]) -> list[tuple[Any, ...]]:
    """Return all rows as the driver's own tuples (columns without result processing)."""
    # Why: building SQLAlchemy Row objects for ~18,000 band rows a page cost the process
    # more than the driver's fetch; these columns (integers, bytes) need no conversion.
    result = session.connection().execute(stmt)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


# Cold first copies whose bands are still indexed, above which a lookup filters by join.
COLD_LIMIT = 5000


def band_posts(
    session: Session, keys: Sequence[int], since: datetime, per_key: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return band keys and post ids (two int64 arrays) of the hot index, newest `per_key` a key."""
    if not keys:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    dialect = _dialect(session)
    # Why the window function: a template flood shares bands across hundreds of posts;
    # only the newest few per band are worth verifying (bounded work per lookup).
    rank = (
        func.row_number()
        .over(partition_by=PostBand.band_key, order_by=PostBand.post_id.desc())
        .label("n")
    )
    ranked = select(PostBand.band_key, PostBand.post_id, rank).where(
        int_in(PostBand.band_key, keys, dialect)
    )
    # Quiet first copies are few while `prune_cold` runs (it drops their bands and
    # signatures): leaving them out by id keeps the lookup inside the band index. Joining
    # every band row to its signature for `seen_at` read the whole signatures table per page
    # on PostgreSQL (hash join over a sequential scan: ~80 % of the lookup at 600 k stored).
    cold = _cold_heads(session, since)
    if cold is None:
        ranked = ranked.join(PostSignature, PostSignature.post_id == PostBand.post_id).where(
            PostSignature.seen_at >= since
        )
    elif cold:
        ranked = ranked.where(int_not_in(PostBand.post_id, cold, dialect))
    sub = ranked.subquery()
    stmt = select(sub.c.band_key, sub.c.post_id).where(sub.c.n <= per_key)
    # On the connection, not the ORM session, fetched at once (fetchall, not a fetchone per
    # row) and read into arrays: tens of thousands of plain rows a page at 1 M stored.
    rows = _plain_rows(session, stmt)
    flat = np.fromiter(chain.from_iterable(rows), np.int64, 2 * len(rows)).reshape(-1, 2)
    return flat[:, 0].copy(), flat[:, 1].copy()


def _cold_heads(session: Session, since: datetime) -> list[int] | None:
    """Return first copies quiet since `since` that still have a signature (None: too many)."""
    stmt = (
        select(PostSignature.post_id)
        .where(PostSignature.seen_at < since)
        .order_by(PostSignature.seen_at)
        .limit(COLD_LIMIT + 1)
    )
    cold = [int(p) for (p,) in _plain_rows(session, stmt)]
    return None if len(cold) > COLD_LIMIT else cold


def heads(session: Session, post_ids: Sequence[int]) -> dict[int, bytes]:
    """Return the packed signature of each first copy (candidates to compare with)."""
    if not post_ids:
        return {}
    stmt = select(PostSignature.post_id, PostSignature.packed).where(
        int_in(PostSignature.post_id, post_ids, _dialect(session))
    )
    return {int(p): bytes(sig) for p, sig in _plain_rows(session, stmt)}


def prune_bands(session: Session, before: datetime) -> int:
    """Drop bands and signatures of messages quiet since `before` (they leave the hot index)."""
    cold = select(PostSignature.post_id).where(PostSignature.seen_at < before)
    result = session.execute(
        delete(PostBand)
        .where(PostBand.post_id.in_(cold))
        .execution_options(synchronize_session=False)
    )
    # The signatures go too: without bands nothing finds them again, and lookups leave out
    # the quiet ones still stored by id (`band_posts`), a set this keeps small.
    session.execute(
        delete(PostSignature)
        .where(PostSignature.seen_at < before)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
