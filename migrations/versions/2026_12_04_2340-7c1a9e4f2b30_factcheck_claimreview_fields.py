"""factchecks: ClaimReview rating and appearance links

Revision ID: 7c1a9e4f2b30
Revises: 5d1e0a7c9b21
Create Date: 2026-11-23 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "7c1a9e4f2b30"
down_revision: str | None = "5d1e0a7c9b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable columns: existing fact-checks keep their rows untouched.
    json_type = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
    with op.batch_alter_table("factchecks") as batch:
        batch.add_column(sa.Column("rating", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("appearances", json_type, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("factchecks") as batch:
        batch.drop_column("appearances")
        batch.drop_column("rating")
