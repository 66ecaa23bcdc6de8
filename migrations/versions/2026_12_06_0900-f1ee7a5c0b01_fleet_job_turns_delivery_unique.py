"""fleet: once-per-period job turns, one delivery per alert and subscription

Revision ID: f1ee7a5c0b01
Revises: a4c7e2d9f150
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f1ee7a5c0b01"
down_revision: str | None = "a4c7e2d9f150"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_turns",
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_turns")),
    )
    # Older databases may hold a repeated outbox row: keep the first of each pair.
    op.execute(
        "DELETE FROM deliveries WHERE id NOT IN "
        "(SELECT MIN(id) FROM deliveries GROUP BY alert_id, subscription_id)"
    )
    with op.batch_alter_table("deliveries") as batch:
        batch.create_unique_constraint(
            "uq_deliveries_alert_id_subscription_id", ["alert_id", "subscription_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint("uq_deliveries_alert_id_subscription_id", type_="unique")
    op.drop_table("job_turns")
