"""apiscale2: index post_regions (post_id, province_code) for the liaison scope probe

Revision ID: c5d2e8a4f913
Revises: c81f5a2e7d44
Create Date: 2026-12-06 11:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c5d2e8a4f913"
down_revision: str | None = "c81f5a2e7d44"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Why: a region-limited queue page probes post_regions once per candidate post; with
    # the province in the index the probe never reads the table (index-only scan).
    op.create_index(
        "ix_post_regions_post_province",
        "post_regions",
        ["post_id", "province_code"],
        if_not_exists=True,
    )


def downgrade() -> None:
    op.drop_index("ix_post_regions_post_province", table_name="post_regions")
