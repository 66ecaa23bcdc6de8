"""api9: posts.province_codes kept by triggers (PostgreSQL), a cheap pre-filter for liaison scope

A region-limited page walked the queue index and probed `post_regions` for every post it
met: at 1 M posts a Jawa Barat liaison's page probed 356 posts (1,587 buffers, 2.2-3 ms of
PostgreSQL) where a reviewer's read 51 (208 buffers, 0.4 ms). With the post's provinces on
its own row, the scan drops the other provinces' posts while it reads them anyway, and only
the posts left are probed (the EXISTS stays: it is exact, this column only narrows). A
partial GIN index (flagged posts only) serves small provinces' pages by bitmap; lookups by
id or cluster leave the pre-filter out (`queue.conditions(walk=False)`), or the planner ANDs
that bitmap (24,000 posts for Jawa Barat) into theirs.

Statement-level triggers with transition tables: one UPDATE per statement that writes
`post_regions`, only for posts whose provinces changed. SQLite keeps the column NULL (its
scope is the EXISTS alone).

Revision ID: b4e6d2a8c1f3
Revises: a7d1c3e5f9b2
Create Date: 2026-12-10 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "b4e6d2a8c1f3"
down_revision: str | None = "a7d1c3e5f9b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Sorted distinct province codes of the posts named in `changed`; written only where they
# differ, so re-tagging a post to the same provinces writes no new row version.
_REFRESH = """
    UPDATE posts AS p SET province_codes = s.codes
    FROM (
      SELECT c.post_id, ARRAY(
        SELECT DISTINCT r.province_code FROM post_regions AS r
        WHERE r.post_id = c.post_id ORDER BY 1
      )::varchar(20)[] AS codes
      FROM (SELECT DISTINCT post_id FROM {source}) AS c
    ) AS s
    WHERE p.id = s.post_id AND p.province_codes IS DISTINCT FROM s.codes;
"""

FUNCTIONS = {
    "post_regions_provinces_one": "changed",
    "post_regions_provinces_both": "(SELECT post_id FROM changed UNION SELECT post_id FROM before) AS u",
}
TRIGGERS = {
    "post_regions_provinces_ins": ("INSERT", "NEW TABLE AS changed", "post_regions_provinces_one"),
    "post_regions_provinces_del": ("DELETE", "OLD TABLE AS changed", "post_regions_provinces_one"),
    "post_regions_provinces_upd": (
        "UPDATE",
        "NEW TABLE AS changed OLD TABLE AS before",
        "post_regions_provinces_both",
    ),
}


def upgrade() -> None:
    """Add the column; on PostgreSQL fill it and install the triggers that keep it."""
    kind = postgresql.ARRAY(sa.String(20)).with_variant(sa.JSON(), "sqlite")
    op.add_column("posts", sa.Column("province_codes", kind, nullable=True))
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, source in FUNCTIONS.items():
        body = _REFRESH.format(source=source)
        op.execute(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {body} RETURN NULL; END $$"
        )
    for name, (event, tables, function) in TRIGGERS.items():
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON post_regions REFERENCING {tables} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
    op.execute(
        """
        UPDATE posts AS p SET province_codes = s.codes
        FROM (
          SELECT post_id, array_agg(DISTINCT province_code ORDER BY province_code)::varchar(20)[]
                 AS codes
          FROM post_regions GROUP BY post_id
        ) AS s
        WHERE p.id = s.post_id
        """
    )
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_posts_flagged_provinces ON posts "
        "USING gin (province_codes) WHERE flagged IS true"
    )


def downgrade() -> None:
    """Drop the triggers, their functions and the column."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_posts_flagged_provinces")
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON post_regions")
        for name in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    op.drop_column("posts", "province_codes")
