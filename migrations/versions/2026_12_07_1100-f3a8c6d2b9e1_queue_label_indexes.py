"""api4: partial queue indexes per label (PostgreSQL), so sparse label filters walk only their posts

Revision ID: f3a8c6d2b9e1
Revises: e7d3a9c1b5f2
Create Date: 2026-12-07 11:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "f3a8c6d2b9e1"
down_revision: str | None = "e7d3a9c1b5f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The four labels of classifiers.contracts.LABELS (kept literal: migrations must not change
# when code does). A new label works without an index; it walks the shared queue index.
LABELS = ("hoax", "black_campaign", "money_politics", "identity_politics")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite filters labels through json_each; a partial index would go unused
    # Why: a label filter on the queue walked the shared (flagged, review_status, priority,
    # id) index and tested each post's labels; for a rare label with a region filter that
    # was thousands of heap rows per page. The predicate is written exactly as
    # monitor.desk.queue.labels_any and conditions() render it, so the planner can prove it.
    for label in LABELS:
        op.execute(
            f"CREATE INDEX IF NOT EXISTS ix_posts_label_{label} ON posts "
            "(review_status, priority, id) INCLUDE (cluster_id) "
            f"""WHERE flagged IS true AND labels @> '["{label}"]'"""
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for label in LABELS:
        op.execute(f"DROP INDEX IF EXISTS ix_posts_label_{label}")
