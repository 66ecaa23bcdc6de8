"""post region origins: sender- and source-declared tags kept beside text matches

Revision ID: 7f3d2c1b9a10
Revises: 7c1a9e4f2b30
Create Date: 2026-12-04 23:50:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "7f3d2c1b9a10"
down_revision: str | None = "7c1a9e4f2b30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Re-tagging deletes only origin='text' rows, so the column's values are now a contract:
    # a misspelt origin would make a declared region look like a text match (or the reverse).
    with op.batch_alter_table("post_regions", schema=None) as batch_op:
        batch_op.create_check_constraint(
            "ck_post_regions_origin", "origin IN ('sender', 'source', 'text')"
        )


def downgrade() -> None:
    with op.batch_alter_table("post_regions", schema=None) as batch_op:
        batch_op.drop_constraint("ck_post_regions_origin", type_="check")
