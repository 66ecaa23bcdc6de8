"""SQLite forms of the clusters repository's page-sized writes: the driver's own calls.

Why apart from `repository`: SQLAlchemy's executemany processed every parameter of every
row in Python (bind processors, per-row dicts, insertmanyvalues batching); for a page of
a few thousand cluster rows that cost more than SQLite's writes. The values are written in
the form SQLAlchemy's types store (naive UTC `YYYY-MM-DD HH:MM:SS.ffffff`, JSON text).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection

# Rows per multi-row INSERT: 5 parameters each, far under SQLite's 32,766 variables.
_CHUNK = 500


def stored_datetime(value: datetime) -> str:
    """Return an aware datetime as `UTCDateTime` stores it on SQLite (naive UTC text)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given; use timezone-aware UTC values")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def insert_clusters(conn: Connection, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert cluster rows with multi-row INSERTs; ids in the order of `rows`."""
    made: dict[int, int] = {}
    for start in range(0, len(rows), _CHUNK):
        part = rows[start : start + _CHUNK]
        params: list[Any] = []
        for row in part:
            params += [
                int(row["representative_post_id"]),
                None if row["signature"] is None else json.dumps(row["signature"]),
                stored_datetime(row["first_seen"]),
                stored_datetime(row["last_seen"]),
                int(row["size"]),
            ]
        values = ", ".join(["(?, ?, ?, ?, ?, 0, 0, 0, 0.0)"] * len(part))
        # Statistics start at zero (the arrival step writes them right after). RETURNING
        # order is not promised: match by representative (one new cluster per first copy).
        result = conn.exec_driver_sql(
            "INSERT INTO clusters (representative_post_id, signature, first_seen, last_seen, "  # noqa: S608
            f"size, n_sources, n_accounts, n_regions, growth_rate) VALUES {values} "
            "RETURNING id, representative_post_id",
            tuple(params),
        )
        made.update({int(r): int(i) for i, r in result})
    return [made[int(row["representative_post_id"])] for row in rows]


def set_post_clusters(conn: Connection, ordered: Sequence[tuple[int, int]]) -> None:
    """Point posts at clusters: (post id, cluster id) pairs, one driver executemany."""
    conn.exec_driver_sql(
        "UPDATE posts SET cluster_id = ? WHERE id = ?", [(int(c), int(p)) for p, c in ordered]
    )


def store_stats(conn: Connection, names: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    """Write one shape of statistics (the same columns in every row), one executemany."""
    sets = ", ".join(f"{n} = ?" for n in names)
    params = [
        (
            *(stored_datetime(r[n]) if isinstance(r[n], datetime) else r[n] for n in names),
            int(r["cluster"]),
        )
        for r in rows
    ]
    # Only known column names are interpolated; every value is a bound parameter.
    conn.exec_driver_sql(f"UPDATE clusters SET {sets} WHERE id = ?", params)  # noqa: S608
