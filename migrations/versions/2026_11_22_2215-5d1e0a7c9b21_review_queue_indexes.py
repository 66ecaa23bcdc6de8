"""review queue indexes: keyset orderings, full-text search, audit lookups

Revision ID: 5d1e0a7c9b21
Revises: 03ac33df1202
Create Date: 2026-11-22 22:15:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5d1e0a7c9b21"
down_revision: str | None = "03ac33df1202"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Keyset pagination walks (sort key, id) in index order for both queue sorts,
    # with and without a status filter.
    op.create_index("ix_posts_flagged_priority_id", "posts", ["flagged", "priority", "id"])
    op.create_index(
        "ix_posts_flagged_status_priority_id",
        "posts",
        ["flagged", "review_status", "priority", "id"],
    )
    op.create_index("ix_posts_flagged_fetched_id", "posts", ["flagged", "fetched_at", "id"])
    op.create_index("ix_audit_events_entity", "audit_events", ["entity_type", "entity_id"])
    op.create_index("ix_reviews_created_post", "reviews", ["created_at", "post_id"])
    if op.get_bind().dialect.name == "postgresql":
        # Full-text search over post text; the query uses the same 'simple' expression.
        op.execute(
            "CREATE INDEX ix_posts_text_fts ON posts USING gin (to_tsvector('simple', text))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_posts_text_fts")
    op.drop_index("ix_reviews_created_post", table_name="reviews")
    op.drop_index("ix_audit_events_entity", table_name="audit_events")
    op.drop_index("ix_posts_flagged_fetched_id", table_name="posts")
    op.drop_index("ix_posts_flagged_status_priority_id", table_name="posts")
    op.drop_index("ix_posts_flagged_priority_id", table_name="posts")
