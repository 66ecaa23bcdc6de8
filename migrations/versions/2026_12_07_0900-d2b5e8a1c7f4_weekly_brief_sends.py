"""desk2: brief_sends, one row per scheduled brief e-mail (subscription, region, period)

Revision ID: d2b5e8a1c7f4
Revises: a3c9e5d71b42
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from monitor.core.base import UTCDateTime

revision: str = "d2b5e8a1c7f4"
down_revision: str | None = "a3c9e5d71b42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "brief_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=120), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=20), nullable=False),
        sa.Column("period_start", UTCDateTime(), nullable=False),
        sa.Column("period_end", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name="fk_brief_sends_subscription_id_subscriptions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_brief_sends"),
        sa.UniqueConstraint("dedup_key", name="uq_brief_sends_dedup_key"),
    )
    op.create_index("ix_brief_sends_subscription_id", "brief_sends", ["subscription_id"])


def downgrade() -> None:
    op.drop_index("ix_brief_sends_subscription_id", table_name="brief_sends")
    op.drop_table("brief_sends")
