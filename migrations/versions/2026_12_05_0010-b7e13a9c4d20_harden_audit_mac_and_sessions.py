"""harden: keyed audit MACs, revoked web sessions, webhook secrets encrypted at rest

Revision ID: b7e13a9c4d20
Revises: 7f3d2c1b9a10
Create Date: 2026-12-05 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7e13a9c4d20"
down_revision: str | None = "7f3d2c1b9a10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing events keep their plain sha256 (version 0); new ones are HMACs (version 1).
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(
            sa.Column("mac_version", sa.SmallInteger(), nullable=False, server_default="0")
        )
    op.create_table(
        "revoked_sessions",
        sa.Column("sid", sa.String(64), primary_key=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )
    # Webhook secrets stored in clear before this revision are encrypted with the secrets key
    # (WASPADA_SECRETS_KEY, else <data dir>/secrets.key) of the process that migrates.
    from monitor.core import secretbox

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, secret FROM subscriptions WHERE secret IS NOT NULL"))
    for sub_id, secret in rows.fetchall():
        if not str(secret).startswith(secretbox.PREFIX):
            bind.execute(
                sa.text("UPDATE subscriptions SET secret = :s WHERE id = :i"),
                {"s": secretbox.encrypt(str(secret)), "i": sub_id},
            )


def downgrade() -> None:
    op.drop_table("revoked_sessions")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("mac_version")
