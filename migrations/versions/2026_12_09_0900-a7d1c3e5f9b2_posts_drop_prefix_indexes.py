"""posts: drop ix_posts_queue and ix_posts_flagged_time (prefixes of wider indexes)

Every arriving post is inserted into each index on `posts`, and each cluster join rewrites
the row (cluster_id is indexed, so no HOT update) into each index again. These two are
leading prefixes of indexes the queue's keyset orderings added later
(`ix_posts_flagged_status_priority_id`, `ix_posts_flagged_fetched_id`): any query the
short one serves, the wide one serves in the same order with the same bounds.

Revision ID: a7d1c3e5f9b2
Revises: f3a8c6e2d1b7
Create Date: 2026-12-09 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a7d1c3e5f9b2"
down_revision: str | None = "f3a8c6e2d1b7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Drop the two prefix indexes (catalog-only: quick on a table of millions)."""
    op.drop_index("ix_posts_queue", table_name="posts")
    op.drop_index("ix_posts_flagged_time", table_name="posts")


def downgrade() -> None:
    """Build them again."""
    op.create_index("ix_posts_flagged_time", "posts", ["flagged", "fetched_at"])
    op.create_index("ix_posts_queue", "posts", ["flagged", "review_status", "priority"])
