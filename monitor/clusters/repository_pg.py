"""PostgreSQL forms of the clusters repository's bulk writes: one statement per page.

Why apart from `repository`: psycopg sends executemany as one statement per row and
prepares only short statement texts, so each page-sized write here is one fixed statement
with one array parameter per column (parsed and planned once, however many rows).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from sqlalchemy.engine import Connection

from monitor.core.pgarray import array_literal, int_array

# Five arrays and one fixed statement: SQLAlchemy's multi-row VALUES for hundreds of
# clusters was a 280 KB text that psycopg parsed again on every page (it caches only short
# statements). Statistics start at zero; the arrival step writes them right after.
_INSERT_CLUSTERS_PG = (
    "INSERT INTO clusters (representative_post_id, signature, first_seen, last_seen, size, "
    "n_sources, n_accounts, n_regions, growth_rate) "
    "SELECT r, CAST(s AS jsonb), f, l, z, 0, 0, 0, 0.0 FROM unnest("
    "CAST(%s AS integer[]), CAST(%s AS text[]), CAST(%s AS timestamptz[]), "
    "CAST(%s AS timestamptz[]), CAST(%s AS integer[])) AS t(r, s, f, l, z) "
    "RETURNING id, representative_post_id"
)


def insert_clusters(conn: Connection, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert cluster rows with one unnest statement; ids in the order of `rows`."""
    columns = ("representative_post_id", "signature", "first_seen", "last_seen", "size")
    arrays: list[list[Any]] = [[] for _ in columns]
    for row in rows:
        for values, name in zip(arrays, columns, strict=True):
            value = row[name]
            if name == "signature":
                value = json.dumps(value)
            elif name in ("first_seen", "last_seen"):
                value = value.astimezone(UTC)  # aware, as UTCDateTime requires
            values.append(value)
    # RETURNING order is not promised for INSERT ... SELECT: match by representative (one
    # new cluster per first copy in a page).
    kinds = ("integer", "text", "timestamptz", "timestamptz", "integer")
    literals = tuple(array_literal(k, v) for k, v in zip(kinds, arrays, strict=True))
    made = {int(r): int(i) for i, r in conn.exec_driver_sql(_INSERT_CLUSTERS_PG, literals)}
    return [made[int(row["representative_post_id"])] for row in rows]


# The first copies a page is about to give a cluster, locked in id order; the row read after
# the lock is the newest committed one (READ COMMITTED), so a cluster another arrival made for
# the same first copy while this page waited is found here instead of made twice.
_CLAIM_HEADS_PG = (
    "SELECT id, cluster_id FROM posts WHERE id = ANY(CAST(%s AS integer[])) "
    "ORDER BY id FOR NO KEY UPDATE"
)


def claim_heads(conn: Connection, post_ids: Sequence[int]) -> dict[int, int | None]:
    """Lock first copies' rows in id order; return their cluster as committed now."""
    rows = conn.exec_driver_sql(_CLAIM_HEADS_PG, (sorted(post_ids),)).all()
    return {int(p): (int(c) if c is not None else None) for p, c in rows}


_LOCK_POSTS_PG = (
    "SELECT id FROM posts WHERE id = ANY(CAST(%s AS integer[])) ORDER BY id FOR NO KEY UPDATE"
)
_SET_CLUSTERS_PG = (
    "UPDATE posts SET cluster_id = v.c FROM unnest(CAST(%s AS integer[]), "
    "CAST(%s AS integer[])) AS v(p, c) WHERE posts.id = v.p"
)


def set_post_clusters(conn: Connection, posts: str, clusters: str) -> None:
    """Point posts at clusters (two array literals, sorted by post id) with two statements."""
    # Rows locked in id order first (concurrent arrivals then wait instead of deadlocking),
    # then one joined UPDATE: one UPDATE per post was most of the server's clustering step.
    conn.exec_driver_sql(_LOCK_POSTS_PG, (posts,))
    conn.exec_driver_sql(_SET_CLUSTERS_PG, (posts, clusters))


STAT_TYPES = {
    "size": "integer",
    "n_sources": "integer",
    "n_accounts": "integer",
    "n_regions": "integer",
    "first_seen": "timestamptz",
    "last_seen": "timestamptz",
    "growth_rate": "double precision",
}


def store_stats(conn: Connection, names: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    """Write one shape of statistics with a lock in id order and one joined UPDATE."""
    # As `set_post_clusters`: hundreds of one-row UPDATEs a page cost the server more than
    # the statistics themselves. `rows` come sorted by cluster id.
    # Array literals (`pgarray`), not lists: psycopg's per-element dumping cost more.
    ids = int_array(int(r["cluster"]) for r in rows)
    arrays = [ids]
    for name in names:
        if STAT_TYPES[name] == "timestamptz":
            arrays.append(array_literal("timestamptz", (r[name].astimezone(UTC) for r in rows)))
        else:
            arrays.append(array_literal(STAT_TYPES[name], (r[name] for r in rows)))
    conn.exec_driver_sql(
        "SELECT id FROM clusters WHERE id = ANY(CAST(%s AS integer[])) ORDER BY id "
        "FOR NO KEY UPDATE",
        (ids,),
    )
    sets = ", ".join(f"{n} = v.{n}" for n in names)
    casts = ", ".join(f"CAST(%s AS {STAT_TYPES[n]}[])" for n in names)
    columns = ", ".join(names)
    # Only known column names and types are interpolated; every value is a bound array.
    conn.exec_driver_sql(
        f"UPDATE clusters SET {sets} FROM unnest(CAST(%s AS integer[]), {casts}) "  # noqa: S608
        f"AS v(id, {columns}) WHERE clusters.id = v.id",
        tuple(arrays),
    )
