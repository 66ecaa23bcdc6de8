"""Migration a7d1c3e5f9b2: four indexes on posts go; the queue's wide ones stay."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, inspect

from monitor.core import migrate
from monitor.core.db import make_engine
from monitor.posts.models import Post
from tests.clusters.test_bands_backfill import _alembic

_BEFORE = "f3a8c6e2d1b7"
GONE = {
    "ix_posts_queue",
    "ix_posts_flagged_time",
    "ix_posts_canonical_url",
    "ix_posts_published_at",
}
# What each dropped index was a prefix of (same leading columns, same order).
WIDER = {
    "ix_posts_queue": "ix_posts_flagged_status_priority_id",
    "ix_posts_flagged_time": "ix_posts_flagged_fetched_id",
}


def _indexes(engine) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return {i["name"]: list(i["column_names"]) for i in inspect(engine).get_indexes("posts")}


def test_prefix_indexes_go_and_come_back(fresh_db_url: str) -> None:
    engine = make_engine(fresh_db_url)
    try:
        migrate.upgrade(engine)
        at_head = _indexes(engine)
        assert not GONE & set(at_head)
        # The ORM (what a fresh `create_all` test schema builds) agrees with the migrations.
        assert not GONE & {i.name for i in cast(Table, Post.__table__).indexes}
        _alembic(engine, "downgrade", _BEFORE)
        before = _indexes(engine)
        assert set(before) - set(at_head) == GONE
        for short, wide in WIDER.items():
            # Why dropping loses nothing: the short index is a leading prefix of the wide one.
            assert before[wide][: len(before[short])] == before[short]
        migrate.upgrade(engine)
        assert _indexes(engine) == at_head
    finally:
        engine.dispose()
