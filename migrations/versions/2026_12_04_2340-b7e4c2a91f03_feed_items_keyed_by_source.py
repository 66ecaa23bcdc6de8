"""feed items keyed by source: RSS ids scoped by their source; copy keys include titles

RSS guids are only unique inside their feed, so items of one feed overwrote another's rows.
Existing RSS rows are re-keyed to `<source name>:<guid>` (the form the fetcher now writes),
attributed to the feed whose content they hold (`raw.feed`). No row is deleted: a row whose
new key is already taken keeps its old key. Exact-copy hashes are recomputed with the title
(distinct articles sharing a teaser were linked as copies) and such false links are undone.

Revision ID: b7e4c2a91f03
Revises: b7e13a9c4d20
Create Date: 2026-12-04 23:40:00
"""

import hashlib
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "b7e4c2a91f03"
down_revision: str | None = "b7e13a9c4d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 500

_sources = sa.table(
    "sources", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("kind")
)
_posts = sa.table(
    "posts",
    sa.column("id", sa.Integer),
    sa.column("source_id", sa.Integer),
    sa.column("platform", sa.String),
    sa.column("external_id", sa.String),
    sa.column("title", sa.Text),
    sa.column("text", sa.Text),
    sa.column("content_hash", sa.String),
    sa.column("duplicate_of_id", sa.Integer),
    sa.column("classified_at", sa.DateTime),
    sa.column("raw", sa.JSON),
)


def _scoped(scope: str, native: str) -> str:
    # Frozen copy of monitor.collectors.fetchers.base.scoped_id (then monitor.sources.fetchers.base) as of this revision.
    key = f"{scope}:{native}"
    if len(key) <= 500:
        return key
    return f"{scope}:sha256:{hashlib.sha256(native.encode()).hexdigest()}"


def _rss_sources(conn: sa.Connection) -> dict[int, str]:
    rows = conn.execute(sa.select(_sources.c.id, _sources.c.name).where(_sources.c.kind == "rss"))
    return {int(r.id): str(r.name) for r in rows}


def _taken(conn: sa.Connection, platform: str, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    rows = conn.execute(
        sa.select(_posts.c.external_id).where(
            _posts.c.platform == platform, _posts.c.external_id.in_(keys)
        )
    )
    return {str(r.external_id) for r in rows}


def _rekey(conn: sa.Connection) -> None:
    sources = _rss_sources(conn)
    if not sources:
        return
    by_name = {name: sid for sid, name in sources.items()}
    last = 0
    while True:
        rows = conn.execute(
            sa.select(
                _posts.c.id,
                _posts.c.source_id,
                _posts.c.platform,
                _posts.c.external_id,
                _posts.c.raw,
            )
            .where(_posts.c.source_id.in_(list(sources)), _posts.c.id > last)
            .order_by(_posts.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        wanted: dict[int, tuple[str, str, int]] = {}
        for r in rows:
            raw: Any = r.raw if isinstance(r.raw, dict) else {}
            # The feed whose text the row holds now: an overwritten row belongs to it.
            owner = raw.get("feed") if raw.get("feed") in by_name else sources[r.source_id]
            wanted[r.id] = (r.platform, _scoped(owner, r.external_id), by_name[owner])
        updates: list[dict[str, Any]] = []
        for platform in {w[0] for w in wanted.values()}:
            keys = [w[1] for w in wanted.values() if w[0] == platform]
            taken = _taken(conn, platform, keys)
            for pid, (plat, key, owner_id) in wanted.items():
                if plat == platform and key not in taken:
                    updates.append({"pid": pid, "key": key, "owner": owner_id})
        if updates:
            conn.execute(
                _posts.update()
                .where(_posts.c.id == sa.bindparam("pid"))
                .values(external_id=sa.bindparam("key"), source_id=sa.bindparam("owner")),
                updates,
            )


def _rehash(conn: sa.Connection) -> None:
    from monitor.posts.canonical import content_hash, normalize_text

    last = 0
    while True:
        rows = conn.execute(
            sa.select(_posts.c.id, _posts.c.title, _posts.c.text, _posts.c.content_hash)
            .where(_posts.c.title.is_not(None), _posts.c.id > last)
            .order_by(_posts.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        last = rows[-1].id
        updates = []
        for r in rows:
            text = r.text or ""
            key = text if normalize_text(r.title) in normalize_text(text) else f"{r.title}\n{text}"
            digest = content_hash(key)
            if digest != r.content_hash:
                updates.append({"pid": r.id, "digest": digest})
        if updates:
            conn.execute(
                _posts.update()
                .where(_posts.c.id == sa.bindparam("pid"))
                .values(content_hash=sa.bindparam("digest")),
                updates,
            )
    # Copies whose text (with title) now differs from their original were never copies.
    original = _posts.alias("original")
    differs = (
        sa.select(original.c.id)
        .where(
            original.c.id == _posts.c.duplicate_of_id,
            original.c.content_hash != _posts.c.content_hash,
        )
        .exists()
    )
    conn.execute(
        _posts.update()
        .where(_posts.c.duplicate_of_id.is_not(None), differs)
        .values(duplicate_of_id=None, classified_at=None)
    )


def upgrade() -> None:
    conn = op.get_bind()
    _rekey(conn)
    _rehash(conn)


def downgrade() -> None:
    conn = op.get_bind()
    sources = _rss_sources(conn)
    for sid, name in sources.items():
        prefix = f"{name}:"
        rows = conn.execute(
            sa.select(_posts.c.id, _posts.c.platform, _posts.c.external_id).where(
                _posts.c.source_id == sid
            )
        ).all()
        scoped = [r for r in rows if str(r.external_id).startswith(prefix)]
        for platform in {r.platform for r in scoped}:
            mine = [r for r in scoped if r.platform == platform]
            bare = [str(r.external_id)[len(prefix) :] for r in mine]
            taken = _taken(conn, platform, bare)
            updates = [
                {"pid": r.id, "key": key}
                for r, key in zip(mine, bare, strict=True)
                if key not in taken and key
            ]
            # A bare key another feed already holds keeps its scoped form: nothing is lost.
            if updates:
                conn.execute(
                    _posts.update()
                    .where(_posts.c.id == sa.bindparam("pid"))
                    .values(external_id=sa.bindparam("key")),
                    updates,
                )
