"""queue speed: stored uncertainty per post, province-scope index, shared rate buckets

`posts.uncertainty` holds the distance of the closest current-version label score to its
threshold (-1 when two model versions disagree on a label), so the uncertainty mix is one
indexed range. Existing posts are backfilled from their predictions and the model cards'
thresholds (0.5 where a version has no card). `api_rate_buckets` holds the per-key token
buckets that several API processes share on PostgreSQL.

Revision ID: a3c9e5d71b42
Revises: f1ee7a5c0b01
Create Date: 2026-12-05 03:00:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a3c9e5d71b42"
down_revision: str | None = "f1ee7a5c0b01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FALLBACK_THRESHOLD = 0.5


def _thresholds(bind: sa.Connection) -> list[tuple[str, str, float]]:
    found: list[tuple[str, str, float]] = []
    for version, card in bind.execute(sa.text("SELECT version, card FROM models")):
        if isinstance(card, str):
            try:
                card = json.loads(card)
            except ValueError:
                continue
        raw = (card or {}).get("thresholds") if isinstance(card, dict) else None
        if isinstance(raw, dict):
            for label, t in sorted(raw.items()):
                if isinstance(t, int | float) and not isinstance(t, bool):
                    found.append((str(version), str(label), float(t)))
    return found


def _backfill(bind: sa.Connection) -> None:
    params: dict[str, object] = {"fallback": _FALLBACK_THRESHOLD}
    whens = []
    for i, (version, label, t) in enumerate(_thresholds(bind)):
        whens.append(f"WHEN p.model_version = :v{i} AND p.label = :l{i} THEN :t{i}")
        params.update({f"v{i}": version, f"l{i}": label, f"t{i}": t})
    threshold = f"CASE {' '.join(whens)} ELSE :fallback END" if whens else ":fallback"
    # Only placeholders are interpolated; every value is a bound parameter.
    bind.execute(
        sa.text(
            "UPDATE posts SET uncertainty = (SELECT min(abs(p.score - "  # noqa: S608
            f"{threshold})) FROM predictions p WHERE p.post_id = posts.id "
            "AND p.model_version = posts.model_version) WHERE model_version IS NOT NULL "
            # Only posts with predictions: rewriting every row took minutes at 1 M posts.
            "AND id IN (SELECT post_id FROM predictions)"
        ),
        params,
    )
    bind.execute(
        sa.text(
            "UPDATE posts SET uncertainty = -1 WHERE id IN (SELECT a.post_id FROM predictions a "
            "JOIN predictions b ON b.post_id = a.post_id AND b.label = a.label "
            "AND b.model_version <> a.model_version AND b.flagged <> a.flagged)"
        )
    )


def upgrade() -> None:
    op.add_column("posts", sa.Column("uncertainty", sa.Float(), nullable=True))
    _backfill(op.get_bind())
    op.create_index(
        "ix_posts_uncertainty_id",
        "posts",
        ["uncertainty", "id"],
        postgresql_where=sa.text("uncertainty IS NOT NULL"),
        sqlite_where=sa.text("uncertainty IS NOT NULL"),
    )
    op.create_table(
        "api_rate_buckets",
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("stamp", sa.Float(), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("actor", name=op.f("pk_api_rate_buckets")),
    )


def downgrade() -> None:
    op.drop_table("api_rate_buckets")
    op.drop_index("ix_posts_uncertainty_id", table_name="posts")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("uncertainty")
