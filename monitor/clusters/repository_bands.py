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
from monitor.core.pgarray import int_array


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
    cold = _cold_heads(session, since)
    if dialect == "postgresql" and cold is not None:
        return _band_posts_pg(session, keys, cold, per_key)
    if dialect == "sqlite" and cold is not None:
        return _band_posts_sqlite(session, keys, cold, per_key)
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


# Per key, the newest `per_key` band rows read backwards from the band index and nothing
# more: the window function read every row of each key (~76,000 for ~36,000 kept on a
# 1,000-post page at 1 M stored), sorted them and then ranked: 81 ms against 59 ms a page
# (EXPLAIN ANALYZE, same rows). Quiet first copies are left out before the limit, as the
# window's WHERE did (an uncorrelated NOT IN: one hashed set for all keys).
_BANDS_PG = (
    "SELECT k.key, b.post_id FROM unnest(CAST(%s AS bigint[])) AS k(key) CROSS JOIN LATERAL "
    "(SELECT post_id FROM post_bands WHERE band_key = k.key{cold} "
    "ORDER BY post_id DESC LIMIT %s) AS b"
)
_COLD_PG = " AND post_id NOT IN (SELECT unnest(CAST(%s AS bigint[])))"


def _band_posts_pg(
    session: Session, keys: Sequence[int], cold: Sequence[int], per_key: int
) -> tuple[np.ndarray, np.ndarray]:
    """PostgreSQL form of `band_posts` (hot set given by its quiet ids): one LATERAL probe a key."""
    params: list[Any] = [int_array(sorted({int(k) for k in keys}))]
    if cold:
        params.append(int_array(int(p) for p in cold))
    params.append(int(per_key))
    sql = _BANDS_PG.format(cold=_COLD_PG if cold else "")
    result = session.connection().exec_driver_sql(sql, tuple(params))
    try:
        rows = list(result.cursor.fetchall())
    finally:
        result.close()
    flat = np.fromiter(chain.from_iterable(rows), np.int64, 2 * len(rows)).reshape(-1, 2)
    return flat[:, 0].copy(), flat[:, 1].copy()


# SQLite has no LATERAL; the same bounded probe is a join on the band index from the
# `per_key`-th newest post of each key (one correlated seek a key, LIMIT 1 OFFSET n-1), so
# no key's rows beyond its newest few are read and nothing is sorted. The window form read
# every band row of the page's keys (~102,000 for ~44,000 kept on a 1,000-post page at 1 M
# stored) into a temporary B-tree: 0.146 s of CPU a page against 0.057 s for this form
# (same rows; docs/benchmarks.md, eleventh pass).
_BANDS_SQLITE = (
    "WITH k(key) AS (SELECT value FROM json_each(?)) "
    "SELECT k.key, b.post_id FROM k JOIN post_bands AS b ON b.band_key = k.key "
    "AND b.post_id >= coalesce((SELECT q.post_id FROM post_bands AS q "
    "WHERE q.band_key = k.key{cold_q} ORDER BY q.post_id DESC LIMIT 1 OFFSET ?), 0){cold_b}"
)


def _band_posts_sqlite(
    session: Session, keys: Sequence[int], cold: Sequence[int], per_key: int
) -> tuple[np.ndarray, np.ndarray]:
    """SQLite form of `band_posts` (hot set given by its quiet ids): one bounded seek a key."""
    listed = "[" + ",".join(map(str, sorted({int(k) for k in keys}))) + "]"
    quiet = "[" + ",".join(str(int(p)) for p in cold) + "]"
    # Quiet first copies are left out before the limit (in the seek) and from the rows read.
    cold_q = " AND q.post_id NOT IN (SELECT value FROM json_each(?))" if cold else ""
    cold_b = " AND b.post_id NOT IN (SELECT value FROM json_each(?))" if cold else ""
    skip = max(per_key, 1) - 1  # OFFSET of the oldest row kept: the per_key-th newest
    params: tuple[Any, ...] = (listed, quiet, skip, quiet) if cold else (listed, skip)
    sql = _BANDS_SQLITE.format(cold_q=cold_q, cold_b=cold_b)
    result = session.connection().exec_driver_sql(sql, params)
    try:
        rows = list(result.cursor.fetchall())
    finally:
        result.close()
    flat = np.fromiter(chain.from_iterable(rows), np.int64, 2 * len(rows)).reshape(-1, 2)
    return flat[:, 0].copy(), flat[:, 1].copy()


def hot_band_posts(
    session: Session, keys: Sequence[int], cold: Sequence[int], per_key: int
) -> tuple[np.ndarray, np.ndarray]:
    """`band_posts` with the quiet first copies already read (`cold_heads`); PostgreSQL, SQLite."""
    if not keys:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    if _dialect(session) == "postgresql":
        return _band_posts_pg(session, keys, cold, per_key)
    return _band_posts_sqlite(session, keys, cold, per_key)


def cold_heads(session: Session, since: datetime) -> list[int] | None:
    """Return first copies quiet since `since` that still have a signature (None: too many)."""
    return _cold_heads(session, since)


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
