"""day2: PostgreSQL NOTIFY on post inserts, so idle scoring workers wake at once

Revision ID: e7d3a9c1b5f2
Revises: c5d2e8a4f913
Create Date: 2026-12-07 10:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e7d3a9c1b5f2"
down_revision: str | None = "c5d2e8a4f913"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The channel `monitor.predictions.wakeup.CHANNEL` listens on (kept literal: migrations
# must not change when code does).
CHANNEL = "waspada_arrivals"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no NOTIFY; its one scheduler scores on its own ticks
    # Why a statement trigger: every writer of posts (collectors, the ingest API, `waspada
    # ingest`) wakes the workers without each remembering to; one notice per INSERT
    # statement, delivered at commit, and PostgreSQL folds repeats within a transaction.
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION waspada_notify_arrivals() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', '');
            RETURN NULL;
        END $$;
        """
    )
    op.execute("DROP TRIGGER IF EXISTS posts_arrival_notify ON posts")
    op.execute(
        "CREATE TRIGGER posts_arrival_notify AFTER INSERT ON posts "
        "FOR EACH STATEMENT EXECUTE FUNCTION waspada_notify_arrivals()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS posts_arrival_notify ON posts")
    op.execute("DROP FUNCTION IF EXISTS waspada_notify_arrivals()")
