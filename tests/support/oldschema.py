"""Seeding an old schema with today's ORM, for the tests of one migration."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

# Columns later migrations add to `posts`: today's ORM writes them on every insert.
LATER_POST_COLUMNS = {"uncertainty": "FLOAT", "province_codes": "TEXT"}


@contextmanager
def later_columns(
    engine: Engine, table: str = "posts", columns: dict[str, str] | None = None
) -> Iterator[None]:
    """Add the columns of later migrations for the seed, and drop them before the upgrade.

    Why: a migration's test downgrades to the revision before it and seeds rows as the old
    code wrote them; the ORM of today also writes columns that revision does not have yet.
    """
    wanted = LATER_POST_COLUMNS if columns is None else columns
    with engine.begin() as conn:
        for name, kind in wanted.items():
            conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {kind}"))
    try:
        yield
    finally:
        with engine.begin() as conn:
            for name in wanted:
                conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {name}"))
