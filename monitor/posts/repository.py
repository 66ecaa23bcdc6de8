"""Every query the posts domain runs: ingest, and the region tags of stored posts."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, delete, func, inspect, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state
from sqlalchemy.orm.util import identity_key

from monitor.core.idlist import int_in, str_in
from monitor.core.pgarray import array_literal
from monitor.posts.models import Post, PostRegion
from monitor.sources.models import Source

# Why 500: keeps every IN list and multi-row INSERT well under SQLite's 32,766 parameters.
CHUNK = 500


@dataclass(frozen=True)
class Stored:
    """The fields of a stored post that decide whether a re-fetch changes it."""

    id: int
    content_hash: str
    url: str | None
    title: str | None
    author: str | None
    classified_at_set: bool


def _chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def stored_by_key(
    session: Session, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], Stored]:
    """Return stored posts by (platform, external_id)."""
    by_platform: dict[str, list[str]] = defaultdict(list)
    for platform, external_id in keys:
        by_platform[platform].append(external_id)
    found: dict[tuple[str, str], Stored] = {}
    dialect = session.get_bind().dialect.name
    for platform, ids in by_platform.items():
        for part in _chunks(ids, 5000):
            rows = session.execute(
                select(
                    Post.id,
                    Post.external_id,
                    Post.content_hash,
                    Post.url,
                    Post.title,
                    Post.author,
                    Post.classified_at,
                ).where(Post.platform == platform, str_in(Post.external_id, part, dialect))
            )
            for r in rows:
                found[(platform, r.external_id)] = Stored(
                    r.id, r.content_hash, r.url, r.title, r.author, r.classified_at is not None
                )
    return found


# "Not a copy", written so that no index on duplicate_of_id can serve it: without ANALYZE
# statistics SQLite's planner took `duplicate_of_id IS NULL` as a selective index lookup
# and walked every original in the store (0.4 s a chunk at 1 M posts, against 4 ms through
# the content_hash index). Copies always point at a positive id.
_ORIGINAL = func.coalesce(Post.duplicate_of_id, 0) == 0


def originals_by_hash(session: Session, hashes: Iterable[str]) -> dict[str, int]:
    """Return, per content hash, the id of the first stored post with that text."""
    found: dict[str, int] = {}
    dialect = session.get_bind().dialect.name
    for part in _chunks(sorted(set(hashes)), 5000):
        rows = session.execute(
            select(Post.content_hash, func.min(Post.id))
            .where(str_in(Post.content_hash, part, dialect), _ORIGINAL)
            .group_by(Post.content_hash)
        )
        found.update({h: int(i) for h, i in rows})
    return found


def relink_copies(session: Session, hashes: Iterable[str]) -> int:
    """Link later originals of a text to its first one; return how many were linked.

    Two transactions storing the same text at once each miss the other's uncommitted row
    and both store an original; run after commit, this turns all but the first into copies.
    Links only ever point to a lower id (copies are newer than what they copy), so concurrent
    relinks cannot make a cycle: the last one to run sees every row and flattens the group.
    """
    linked = 0
    # Sorted hashes: concurrent relinks lock rows in the same order, so they cannot deadlock.
    for part in _chunks(sorted(set(hashes))):
        groups = session.execute(
            select(Post.content_hash, func.min(Post.id))
            .where(Post.content_hash.in_(part), _ORIGINAL)
            .group_by(Post.content_hash)
            .having(func.count() > 1)
            .order_by(Post.content_hash)
        ).all()
        for content_hash, first_id in groups:
            # `id > first` and not `!=`: a row committed after our SELECT with a lower id is
            # another relink's root; linking it here could close a cycle.
            later = (Post.content_hash == content_hash, Post.id > first_id)
            originals = (*later, _ORIGINAL)
            # An unreviewed copy leaves the queue like any copy; a reviewed one keeps its flag.
            session.execute(
                update(Post)
                .where(*originals, Post.review_status == "new")
                .values(flagged=False, priority=0.0)
                .execution_options(synchronize_session=False)
            )
            result = session.execute(
                update(Post)
                .where(*originals)
                .values(duplicate_of_id=first_id)
                .execution_options(synchronize_session=False)
            )
            linked += int(getattr(result, "rowcount", 0) or 0)
            # Copies made of a row just linked point on to the first one (no chains).
            session.execute(
                update(Post)
                .where(*later, Post.duplicate_of_id != first_id)
                .values(duplicate_of_id=first_id)
                .execution_options(synchronize_session=False)
            )
    return linked


def insert_new(session: Session, rows: Sequence[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """Insert posts, skipping keys another writer stored first; return ids of inserted rows."""
    if not rows:
        return {}
    if session.get_bind().dialect.name == "postgresql":
        return _insert_new_pg(session.connection(), rows)
    stmt = (
        sqlite_insert(_POSTS)
        # Why: two collectors storing the same item at once must not fail the whole batch.
        .on_conflict_do_nothing(index_elements=["platform", "external_id"])
        .returning(_POSTS.c.id, _POSTS.c.platform, _POSTS.c.external_id)
    )
    # executemany with RETURNING: SQLAlchemy batches it into multi-row statements itself
    # ("insertmanyvalues") and caches the compiled form, unlike a literal VALUES list. On the
    # table, not the entity: the ORM's bulk path walked every row through its own machinery.
    ids: dict[tuple[str, str], int] = {}
    for post_id, platform, external_id in session.connection().execute(stmt, list(rows)):
        ids[(platform, external_id)] = post_id
    return ids


# One fixed statement with one array per column: SQLAlchemy's multi-row VALUES for a chunk
# of 500 posts was a 260 KB text that psycopg converted and the server parsed and planned
# again on every chunk (psycopg prepares only short statements). The columns ingest does
# not write get the model's defaults, written out here.
_PG_COLUMNS = (
    ("source_id", "integer"),
    ("platform", "text"),
    ("external_id", "text"),
    ("url", "text"),
    ("canonical_url", "text"),
    ("author", "text"),
    ("title", "text"),
    ("text", "text"),
    ("language", "text"),
    ("published_at", "timestamptz"),
    ("fetched_at", "timestamptz"),
    ("content_hash", "text"),
    ("raw", "text"),
    ("duplicate_of_id", "integer"),
    ("cluster_id", "integer"),
    # Comma-joined (one element per post: unnest flattens arrays of arrays); see `ingest`.
    ("province_codes", "text"),
)
# How a column's unnested value becomes the posts column.
_PG_CASTS = {
    "raw": "CAST(raw AS jsonb)",
    "province_codes": "CAST(string_to_array(province_codes, ',') AS varchar(20)[])",
}
_INSERT_NEW_PG = (
    "INSERT INTO posts ("  # noqa: S608 (fixed names, every value a bound array)
    + ", ".join(name for name, _ in _PG_COLUMNS)
    + ", flagged, labels, priority, review_status) SELECT "
    + ", ".join(_PG_CASTS.get(name, name) for name, _ in _PG_COLUMNS)
    + ", false, CAST('[]' AS jsonb), 0.0, 'new' FROM unnest("
    + ", ".join(f"CAST(%s AS {kind}[])" for _, kind in _PG_COLUMNS)
    + ") AS t("
    + ", ".join(name for name, _ in _PG_COLUMNS)
    + ") ON CONFLICT (platform, external_id) DO NOTHING RETURNING id, platform, external_id"
)


def _utc(value: datetime | None) -> datetime | None:
    """Return an aware UTC datetime, as the UTCDateTime column type would bind it."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given; use timezone-aware UTC values")
    return value.astimezone(UTC)


def _insert_new_pg(conn: Connection, rows: Sequence[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """Insert posts with one unnest statement (see `_INSERT_NEW_PG`); ids by key."""
    # Each array as one text literal (`pgarray`): psycopg's per-element list dumping cost
    # the process more than the statement did.
    arrays: list[str] = []
    for name, kind in _PG_COLUMNS:
        values: list[Any]
        if name == "raw":
            values = [None if r.get(name) is None else json.dumps(r[name]) for r in rows]
        elif name == "province_codes":
            values = [",".join(r[name]) if r.get(name) else None for r in rows]
        elif kind == "timestamptz":
            values = [_utc(r.get(name)) for r in rows]
        else:
            values = [r.get(name) for r in rows]
        arrays.append(array_literal(kind, values))
    result = conn.exec_driver_sql(_INSERT_NEW_PG, tuple(arrays))
    return {(platform, external_id): int(i) for i, platform, external_id in result}


_POSTS = cast(Table, Post.__table__)
_POST_CLASS = inspect(Post).class_manager
# What a freshly inserted post holds in the columns ingest does not write.
_FRESH = {
    "cluster_id": None,
    "classified_at": None,
    "model_version": None,
    "max_score": None,
    "flagged": False,
    "priority": 0.0,
    "review_status": "new",
    "uncertainty": None,
    "score_lease_owner": None,
    "score_lease_expires_at": None,
}


def attach_inserted(
    session: Session, rows: Sequence[dict[str, Any]], ids: dict[tuple[str, str], int]
) -> list[Post]:
    """Return the posts just inserted as session objects built from the rows, in id order.

    Why not SELECT them back: the rows are what was written, and reading 1,000 posts back
    as ORM objects cost a fifth of storing them. Every column is set, so no attribute
    triggers a load; the objects are persistent and clean (nothing to flush).
    """
    posts: list[Post] = []
    for row in rows:
        post_id = ids.get((row["platform"], row["external_id"]))
        if post_id is None:
            continue  # another writer stored this key first
        # A row a rolled-back transaction left in the session (SQLite reuses its id).
        stale = session.identity_map.get(identity_key(Post, post_id))
        if stale is not None:
            session.expunge(stale)
        # Straight into the instance's state: the mapped constructor's per-attribute events
        # cost four times as much, and make_transient_to_detached marks it all as loaded.
        post = _POST_CLASS.new_instance()
        values = instance_state(post).dict
        values.update(_FRESH)
        values.update(row)
        values["labels"] = []
        values["id"] = post_id
        make_transient_to_detached(post)
        posts.append(post)
    posts.sort(key=lambda p: p.id)
    session.add_all(posts)
    return posts


def update_changed(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Apply per-post updates (each dict carries its `id`)."""
    if rows:
        session.execute(update(Post), list(rows))


def texts_after(
    session: Session, after_id: int, limit: int
) -> list[tuple[int, str | None, str, str | None, dict[str, Any] | None]]:
    """Return (id, title, text, language, source config) of the next posts by id."""
    rows = session.execute(
        select(Post.id, Post.title, Post.text, Post.language, Source.config)
        .join(Source, Source.id == Post.source_id, isouter=True)
        .where(Post.id > after_id)
        .order_by(Post.id)
        .limit(limit)
    ).all()
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def set_language(session: Session, changes: Sequence[tuple[int, str]]) -> None:
    """Store new language marks, one (post id, code) pair each."""
    for post_id, code in changes:
        session.execute(update(Post).where(Post.id == post_id).values(language=code))


def unflag_unreviewed(session: Session, ids: Sequence[int]) -> int:
    """Take posts that are no longer scored out of the queue unless a reviewer touched them."""
    total = 0
    for chunk in _chunks(list(ids)):
        result = session.execute(
            update(Post)
            .where(Post.id.in_(chunk), Post.flagged.is_(True), Post.review_status == "new")
            .values(flagged=False, labels=[], priority=0.0)
        )
        total += int(getattr(result, "rowcount", 0) or 0)
    return total


def source_regions(session: Session, source_ids: Iterable[int]) -> dict[int, str]:
    """Map source ids to their default region codes (sources without one are left out)."""
    ids = list(set(source_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(Source.id, Source.default_region_code).where(
            Source.id.in_(ids), Source.default_region_code.is_not(None)
        )
    )
    return {sid: code for sid, code in rows if code}


def replace_text_regions(
    session: Session, post_ids: list[int], rows: list[dict[str, Any]], *, fresh: bool = False
) -> None:
    """Replace the text-matched tags of posts; declared tags stay (re-tagging is idempotent).

    A row for a region the post already carries (declared by its sender or source) is
    skipped, so a declaration is never overwritten by a text match of the same region.
    `fresh`: the posts were inserted in this transaction, so none has a tag to delete.
    """
    if not post_ids:
        return
    dialect = session.get_bind().dialect.name
    # On the table, not the entity: no walk of the session's objects, no ORM bulk path.
    table = cast(Table, PostRegion.__table__)
    conn = session.connection()
    if not fresh:
        # Why skipped for fresh posts: on PostgreSQL this DELETE planned as a sequential
        # scan of a small post_regions re-parsed its id array per row (39-51 ms a 1,000-post
        # page at 1 M posts stored, for 0 rows; docs/benchmarks.md, eleventh pass).
        conn.execute(
            delete(table).where(
                int_in(table.c.post_id, post_ids, dialect), table.c.origin == "text"
            )
        )
    if rows and dialect == "postgresql":
        # One statement for the page, not one per row (executemany): the triggers on
        # post_regions run once per statement, and per row they rewrote a post with tags in
        # two provinces twice, though arrival had written its final provinces already.
        arrays = tuple(
            array_literal(kind, (r[name] for r in rows)) for name, kind in _REGION_COLUMNS
        )
        conn.exec_driver_sql(_INSERT_REGIONS_PG, arrays)
    elif rows:
        # executemany of one cached statement (a literal VALUES list compiled anew per page).
        conn.execute(sqlite_insert(table).on_conflict_do_nothing(), list(rows))


_REGION_COLUMNS = (
    ("post_id", "integer"),
    ("region_code", "text"),
    ("province_code", "text"),
    ("origin", "text"),
    ("evidence", "text"),
)
_INSERT_REGIONS_PG = (
    "INSERT INTO post_regions ("  # noqa: S608 (fixed names, every value a bound array)
    + ", ".join(name for name, _ in _REGION_COLUMNS)
    + ") SELECT * FROM unnest("
    + ", ".join(f"CAST(%s AS {kind}[])" for _, kind in _REGION_COLUMNS)
    + ") ON CONFLICT DO NOTHING"
)


def post_regions(session: Session, post_id: int) -> list[PostRegion]:
    """Return the region tags of one post."""
    stmt = select(PostRegion).where(PostRegion.post_id == post_id).order_by(PostRegion.region_code)
    return list(session.scalars(stmt))
