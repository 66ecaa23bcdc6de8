"""arrival: narrow post_bands (band_key, post_id), seen_at on the signature, bands backfilled

post_bands held an id, a seen_at and three indexes per band row (16 rows a first copy);
the hot window now lives once per first copy in post_signatures.seen_at, and a band row is
just its primary key (band_key, post_id), WITHOUT ROWID on SQLite. Signatures copied from
clusters by a4c7e2d9f150 got no bands, so copies of messages stored before that upgrade
started new clusters: the bands of every signature seen in the last 7 days are computed here.

Revision ID: c81f5a2e7d44
Revises: d2b5e8a1c7f4
Create Date: 2026-12-06 11:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from monitor.clusters.backfill import band_rows
from monitor.core.base import JSONType, UTCDateTime

revision: str = "c81f5a2e7d44"
down_revision: str | None = "d2b5e8a1c7f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOT_DAYS = 7
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_signatures = sa.table(
    "post_signatures",
    sa.column("post_id", sa.Integer()),
    sa.column("signature", JSONType),
    sa.column("seen_at", UTCDateTime()),
)
_old_bands = sa.table(
    "post_bands_old",
    sa.column("band_key", sa.BigInteger()),
    sa.column("post_id", sa.Integer()),
    sa.column("seen_at", UTCDateTime()),
)
_clusters = sa.table(
    "clusters",
    sa.column("representative_post_id", sa.Integer()),
    sa.column("last_seen", UTCDateTime()),
)


def _bands_table() -> None:
    op.create_table(
        "post_bands",
        sa.Column("band_key", sa.BigInteger(), nullable=False),
        sa.Column(
            "post_id",
            sa.Integer(),
            sa.ForeignKey("posts.id", ondelete="CASCADE", name="fk_post_bands_post_id_posts"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("band_key", "post_id", name="pk_post_bands"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_post_bands_post_id", "post_bands", ["post_id"])


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("post_signatures", sa.Column("seen_at", UTCDateTime(), nullable=True))
    # When each first copy was last seen: its bands' seen_at, else its cluster's last copy.
    seen: dict[int, datetime] = {}
    op.rename_table("post_bands", "post_bands_old")
    if bind.dialect.name == "postgresql":
        # The primary key's index is a relation of its own there: free its name.
        op.execute(
            "ALTER TABLE post_bands_old RENAME CONSTRAINT pk_post_bands TO pk_post_bands_old"
        )
    for post_id, at in bind.execute(
        sa.select(_old_bands.c.post_id, sa.func.max(_old_bands.c.seen_at)).group_by(
            _old_bands.c.post_id
        )
    ):
        seen[int(post_id)] = at
    for post_id, at in bind.execute(
        sa.select(_clusters.c.representative_post_id, sa.func.max(_clusters.c.last_seen)).group_by(
            _clusters.c.representative_post_id
        )
    ):
        if post_id is not None and at is not None:
            seen.setdefault(int(post_id), at)
    rows = [{"pid": p, "at": a} for p, a in seen.items()]
    if rows:
        bind.execute(
            sa.update(_signatures)
            .where(_signatures.c.post_id == sa.bindparam("pid"))
            .values(seen_at=sa.bindparam("at")),
            rows,
        )
    bind.execute(
        sa.update(_signatures).where(_signatures.c.seen_at.is_(None)).values(seen_at=EPOCH)
    )
    with op.batch_alter_table("post_signatures") as batch:
        batch.alter_column("seen_at", existing_type=UTCDateTime(), nullable=False)
    op.create_index("ix_post_signatures_seen_at", "post_signatures", ["seen_at"])
    # The old indexes go with their table; the new table keeps the same index names.
    for name in ("ix_post_bands_key_seen", "ix_post_bands_post_id", "ix_post_bands_seen_at"):
        op.drop_index(name, table_name="post_bands_old")
    _bands_table()
    bind.execute(
        sa.text(
            "INSERT INTO post_bands (band_key, post_id) "
            "SELECT DISTINCT band_key, post_id FROM post_bands_old"
        )
    )
    op.drop_table("post_bands_old")
    # Backfill: hot first copies without bands (those copied from clusters) get theirs now.
    since = datetime.now(UTC) - timedelta(days=HOT_DAYS)
    banded = sa.select(sa.text("1")).select_from(sa.table("post_bands", sa.column("post_id")))
    banded = banded.where(sa.column("post_id") == _signatures.c.post_id)
    missing = bind.execute(
        sa.select(_signatures.c.post_id, _signatures.c.signature).where(
            _signatures.c.seen_at >= since, ~banded.exists()
        )
    ).all()
    bands = band_rows((int(p), s) for p, s in missing)
    for start in range(0, len(bands), 5000):
        bind.execute(
            sa.insert(sa.table("post_bands", sa.column("band_key"), sa.column("post_id"))),
            bands[start : start + 5000],
        )


def downgrade() -> None:
    # The hot index is rebuilt by arrivals: bands of earlier first copies are not restored.
    op.drop_table("post_bands")
    op.drop_index("ix_post_signatures_seen_at", table_name="post_signatures")
    with op.batch_alter_table("post_signatures") as batch:
        batch.drop_column("seen_at")
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
