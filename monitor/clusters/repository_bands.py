"""The hot index of near-copy signatures: band lookups, first copies' signatures, pruning."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from itertools import chain
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import Connection, Engine, QueuePool, Select, delete, func, select
from sqlalchemy.orm import Session

from monitor.clusters.models import PostBand, PostSignature
from monitor.core.idlist import int_in, int_not_in
from monitor.core.pgarray import int_array


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _plain_rows(session: Session, stmt: Select[Any]) -> list[tuple[Any, ...]]:
    """Return all rows as the driver's own tuples (columns without result processing)."""
    return _conn_rows(session.connection(), stmt)


def _conn_rows(conn: Connection, stmt: Select[Any]) -> list[tuple[Any, ...]]:
    # Why: building SQLAlchemy Row objects for ~18,000 band rows a page cost the process
    # more than the driver's fetch; these columns (integers, bytes) need no conversion.
    result = conn.execute(stmt)
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
    quiet = int_array(int(p) for p in cold) if cold else None
    sql = _BANDS_PG.format(cold=_COLD_PG if cold else "")

    def read(conn: Connection, part: Sequence[int]) -> list[tuple[Any, ...]]:
        params: list[Any] = [int_array(part)]
        if quiet is not None:
            params.append(quiet)
        params.append(int(per_key))
        result = conn.exec_driver_sql(sql, tuple(params))
        try:
            return list(result.cursor.fetchall())
        finally:
            result.close()

    # Sorted and split into a low and a high half: the rows come back in the same order.
    parts = in_halves(session, sorted({int(k) for k in keys}), read)
    rows = list(chain.from_iterable(parts))
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
    dialect = _dialect(session)

    def read(conn: Connection, part: Sequence[int]) -> list[tuple[Any, ...]]:
        stmt = select(PostSignature.post_id, PostSignature.packed).where(
            int_in(PostSignature.post_id, part, dialect)
        )
        return _conn_rows(conn, stmt)

    parts = (
        in_halves(session, post_ids, read)
        if dialect == "postgresql"
        else [read(session.connection(), post_ids)]
    )
    return {int(p): bytes(sig) for p, sig in chain.from_iterable(parts)}


# A page's two largest reads (band lookup, candidate signatures: 15,000 keys and 17,000
# ids for 1,000 posts at 1 M stored) are split in two halves above this size, one half
# read on a second connection meanwhile (PostgreSQL only, see `in_halves`).
SPLIT_MIN = 2000

Part = TypeVar("Part")
_helper: ThreadPoolExecutor | None = None
_helper_lock = threading.Lock()


def _helper_pool() -> ThreadPoolExecutor:
    global _helper
    with _helper_lock:
        if _helper is None:
            _helper = ThreadPoolExecutor(4, thread_name_prefix="bands-read")
        return _helper


def _unwritten(session: Session) -> bool:
    """Tell whether the session's transaction has written nothing yet (PostgreSQL)."""
    conn = session.connection()
    return bool(conn.exec_driver_sql("SELECT pg_current_xact_id_if_assigned() IS NULL").scalar())


def in_halves(
    session: Session,
    items: Sequence[int],
    read: Callable[[Connection, Sequence[int]], list[Part]],
) -> list[list[Part]]:
    """Return `read` of each half of `items`: the second half on a second connection at once.

    Why: these reads are the server's largest share of a page, and with the statements of
    a page in one round trip after another one core waited while the other worked. Split,
    the server runs both halves on two backends. Only while the page's transaction has
    written nothing: a second connection sees what is committed, which is then exactly
    what the transaction itself sees (READ COMMITTED: each statement reads the latest
    commits). Otherwise, and for small reads or a session not bound to an engine, one read.
    """
    session.connection()  # checked out first: the pool count below includes it
    bind = session.get_bind()
    if (
        len(items) < SPLIT_MIN
        or not isinstance(bind, Engine)
        # Only while the pool is below its size: a full pool would make the page wait
        # for another request's connection (or deadlock a server's pool).
        or not isinstance(bind.pool, QueuePool)
        or bind.pool.checkedout() >= bind.pool.size()
        or not _unwritten(session)
    ):
        return [read(session.connection(), items)]
    mid = len(items) // 2

    def other() -> list[Part]:
        with bind.connect() as conn:
            return read(conn, items[mid:])

    pending = _helper_pool().submit(other)
    try:
        first = read(session.connection(), items[:mid])
    except BaseException:
        if not pending.cancel():
            pending.exception()  # waited for, so its connection is back; this error wins
        raise
    if pending.cancel():  # the helpers were busy with other pages: read it here
        return [first, read(session.connection(), items[mid:])]
    return [first, pending.result()]


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
