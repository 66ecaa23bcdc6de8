"""Label filters on PostgreSQL use the partial per-label indexes; hostile labels stay data."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, event, text
from sqlalchemy.orm import Session

from monitor.cli.bench.reviews import explain
from monitor.core.base import utcnow
from monitor.desk import narratives, pagerows, queue
from monitor.desk.explore import Mix, mixed_page
from monitor.keys.principal import Principal
from tests.support.posts import make_post

ADMIN = Principal(key_id=None, name="t", role="admin")
LABELS = ("hoax", "black_campaign", "money_politics", "identity_politics")


def _seed(session: Session) -> None:
    now = utcnow()
    for i in range(12):
        label = LABELS[i % 4]
        body = f"label index {i} {label}"
        make_post(
            session,
            body,
            platform="telegram",
            external_id=f"lix-{i}",
            fetched_at=now - timedelta(minutes=i),
            content_hash=hashlib.sha256(body.encode()).hexdigest(),
            flagged=True,
            labels=[label],
            max_score=0.5 + i / 100,
            priority=0.5 + i / 100,
            review_status="new",
            uncertainty=0.05 if i % 3 == 0 else 0.3,
        )
    session.flush()


def _plan(session: Session, statement: Select[Any]) -> str:
    """Return the plan of the SQL and parameters the driver really receives."""
    return "\n".join(explain(session, statement))


def test_label_filter_matches_the_partial_index_predicate(db: Session) -> None:
    _seed(db)
    filters = queue.ItemFilters(statuses=("new",), labels=("money_politics",))
    rows, _ = pagerows.flat_rows(db, ADMIN, filters)
    assert [r.labels for r in rows] == [["money_politics"]] * 3
    if db.get_bind().dialect.name != "postgresql":
        return
    # Tiny tables make a sequential scan cheapest; forbid it to see whether the planner
    # can prove the index predicate from the query at all (a bound label could not).
    db.execute(text("SET LOCAL enable_seqscan = off"))
    sent: list[str] = []
    conn = db.connection()
    listener = lambda *args: sent.append(args[2])  # noqa: E731
    event.listen(conn, "before_cursor_execute", listener)
    try:
        pagerows.flat_rows(db, ADMIN, filters)
    finally:
        event.remove(conn, "before_cursor_execute", listener)
    # In the SQL text itself: a prepared statement's generic plan cannot use the index.
    assert """'["money_politics"]'""" in sent[0]
    flat = pagerows.flat_statement(db, ADMIN, filters, "priority", None, 51)
    assert "ix_posts_label_money_politics" in _plan(db, flat)
    tops = narratives.tops_statement(
        queue.conditions(db, ADMIN, filters), queue.queue_order("priority"), None, 51
    )
    assert "ix_posts_label_money_politics" in _plan(db, tops)


def test_hostile_label_text_is_a_quoted_literal(db: Session) -> None:
    _seed(db)
    for label in ("o'x\"]", "hoax'] OR true --", "%(x)s", "\\"):
        filters = queue.ItemFilters(labels=(label,))
        rows, cursor = pagerows.flat_rows(db, ADMIN, filters)
        assert (list(rows), cursor) == ([], None)
        assert queue.count(db, ADMIN, filters) == 0


def test_key_page_walks_like_the_full_page(db: Session) -> None:
    _seed(db)
    filters = queue.ItemFilters(statuses=("new",))
    for sort in queue.SORTS:
        cursor: str | None = None
        key_cursor: str | None = None
        while True:
            posts, cursor = queue.page(db, ADMIN, filters, sort, cursor, 5)
            keys, key_cursor = queue.key_page(db, ADMIN, filters, sort, key_cursor, 5)
            assert [r.id for r in keys] == [p.id for p in posts]
            assert key_cursor == cursor
            if cursor is None:
                break


def test_mix_entries_carry_ids_that_the_api_rows_load(db: Session) -> None:
    _seed(db)
    entries, _ = mixed_page(db, ADMIN, queue.ItemFilters(), limit=6, mix=Mix(explore=0.5))
    assert len(entries) == 6
    assert {e.why for e in entries} == {"order", "uncertain"}
    rows = pagerows.rows_by_ids(db, [e.id for e in entries])
    assert [r.id for r in rows] == [e.id for e in entries]
