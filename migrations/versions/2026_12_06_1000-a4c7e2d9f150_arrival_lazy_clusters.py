"""arrival: near-duplicate signatures and LSH bands with the post (clusters only for copies)

Revision ID: a4c7e2d9f150
Revises: b7e4c2a91f03
Create Date: 2026-12-06 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from monitor.core.base import JSONType, UTCDateTime

revision: str = "a4c7e2d9f150"
down_revision: str | None = "b7e4c2a91f03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "post_signatures",
        sa.Column(
            "post_id",
            sa.Integer(),
            sa.ForeignKey("posts.id", ondelete="CASCADE", name="fk_post_signatures_post_id_posts"),
            primary_key=True,
        ),
        sa.Column("signature", JSONType, nullable=False),
        sa.PrimaryKeyConstraint("post_id", name="pk_post_signatures"),
    )
    op.create_table(
        "post_bands",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("band_key", sa.BigInteger(), nullable=False),
        sa.Column(
            "post_id",
            sa.Integer(),
            sa.ForeignKey("posts.id", ondelete="CASCADE", name="fk_post_bands_post_id_posts"),
            nullable=False,
        ),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_post_bands"),
    )
    op.create_index("ix_post_bands_key_seen", "post_bands", ["band_key", "seen_at"])
    op.create_index("ix_post_bands_post_id", "post_bands", ["post_id"])
    op.create_index("ix_post_bands_seen_at", "post_bands", ["seen_at"])
    # Existing clusters keep their rows and signatures: their representatives become the
    # first copies later copies are compared with. Singleton clusters stay (harmless).
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "INSERT INTO post_signatures (post_id, signature) "
            "SELECT representative_post_id, signature FROM clusters "
            "WHERE representative_post_id IN (SELECT id FROM posts) AND signature IS NOT NULL"
        )
    )


def downgrade() -> None:
    op.drop_table("post_bands")
    op.drop_table("post_signatures")
