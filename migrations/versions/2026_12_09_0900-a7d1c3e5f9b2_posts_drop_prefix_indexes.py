"""posts: drop four indexes arrival maintained and no query needs

Every arriving post is inserted into each index on `posts`, and each cluster join rewrites
the row (cluster_id is indexed, so no HOT update) into each index again.
`ix_posts_queue` and `ix_posts_flagged_time` are leading prefixes of indexes the queue's
keyset orderings added later (`ix_posts_flagged_status_priority_id`,
`ix_posts_flagged_fetched_id`): any query the short one serves, the wide one serves in the
same order with the same bounds. `ix_posts_canonical_url` and `ix_posts_published_at`
serve no query: nothing filters or sorts on either column alone (published_at is read
only inside coalesce/case expressions with fetched_at).

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


GONE = {
    "ix_posts_queue": ["flagged", "review_status", "priority"],
    "ix_posts_flagged_time": ["flagged", "fetched_at"],
    "ix_posts_canonical_url": ["canonical_url"],
    "ix_posts_published_at": ["published_at"],
}


def upgrade() -> None:
    """Drop the four indexes (catalog-only: quick on a table of millions)."""
    for name in GONE:
        op.drop_index(name, table_name="posts")


def downgrade() -> None:
    """Build them again."""
    for name, columns in GONE.items():
        op.create_index(name, "posts", columns)
