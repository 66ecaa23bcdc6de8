"""Ingest: validate, canonicalise, upsert once per (platform, external id), link exact copies.

Ingest only stores and returns the new posts; `monitor.flows.arrival` runs the steps that
follow (regions, clusters, scoring, decisions, priority). Services flush; the caller's unit
of work commits, so an interrupted ingest leaves nothing half-stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError, StatementError
from sqlalchemy.orm import Session

from monitor.core.base import utcnow
from monitor.posts import repository
from monitor.posts.canonical import canonical_url, content_hash, normalize_text
from monitor.posts.language import detect_language
from monitor.posts.models import Post
from monitor.posts.schemas import IngestReport, PostIn, Rejection

log = logging.getLogger(__name__)

# Decides the cluster of posts about to be stored: given (key, text) of the items not stored
# yet, returns the cluster id of those that join a stored message's cluster (see `ingest`).
Placer = Callable[[Sequence[tuple[tuple[str, str], str]]], Mapping[tuple[str, str], int]]
# Given the items not stored yet, returns the provinces of their region tags by key, written
# with their INSERT (`posts.province_codes`; see `regiontags.ArrivalTags`).
Tagger = Callable[[Sequence[PostIn]], Mapping[tuple[str, str], Sequence[str]]]
# The insert rows `prepare_rows` computed ahead of the store, by item key.
Rows = Mapping[tuple[str, str], dict[str, Any]]


@dataclass
class IngestOutcome:
    """The report plus the posts stored for the first time (for callers that act on them)."""

    report: IngestReport = field(default_factory=IngestReport)
    new_posts: list[Post] = field(default_factory=list)
    # The region each new post's sender declared (post id -> Kemendagri code).
    declared_regions: dict[int, str] = field(default_factory=dict)


def validate(
    records: Sequence[dict[str, Any]], start: int = 0
) -> tuple[list[PostIn], list[Rejection]]:
    """Validate raw records one by one; bad ones become rejections naming the field."""
    good: list[PostIn] = []
    bad: list[Rejection] = []
    for i, record in enumerate(records, start):
        if not isinstance(record, dict):
            bad.append(Rejection(index=i, errors=["expected an object"]))
            continue
        try:
            good.append(PostIn.model_validate(record))
        except ValidationError as exc:
            errors = [
                f"{'.'.join(str(p) for p in e['loc']) or 'post'}: {e['msg']}" for e in exc.errors()
            ]
            bad.append(Rejection(index=i, errors=errors))
    return good, bad


def ingest(
    session: Session,
    items: Sequence[PostIn],
    *,
    source_id: int | None = None,
    default_language: str | None = None,
    place: Placer | None = None,
    tags: Tagger | None = None,
    rows: Rows | None = None,
) -> IngestOutcome:
    """Store items once: new ones inserted, changed ones updated, exact copies linked.

    Callers that want the arrival steps call `monitor.flows.arrival.arrive` instead.
    `place` (the arrival flow's clustering) is asked once, before any insert, for the
    cluster of the items not stored yet, so a copy is inserted with its cluster set;
    `tags` likewise for their provinces. `rows` are the items' rows from `prepare_rows`
    with the same source and language (computed while the previous page was stored).
    """
    outcome = IngestOutcome()
    outcome.report.received = len(items)
    latest: dict[tuple[str, str], PostIn] = {}
    for item in items:
        latest[item.key] = item  # a key seen twice in one batch: the later copy wins
    unique = list(latest.values())
    position = {item.key: i for i, item in enumerate(items)}
    clusters: Mapping[tuple[str, str], int] = {}
    provinces: Mapping[tuple[str, str], Sequence[str]] = {}
    stored: dict[tuple[str, str], repository.Stored] | None = None
    if place is not None or tags is not None:
        # Once per page, not per chunk: its locks on first copies are then taken in one
        # id order per page (two orders in one transaction could deadlock two arrivals).
        # The chunks below reuse this read (rows another writer adds meanwhile are still
        # skipped by the insert's conflict clause, as before).
        stored = repository.stored_by_key(session, (item.key for item in unique))
        new = [i for i in unique if i.key not in stored]
        if place is not None:
            clusters = place([(i.key, i.text) for i in new])
        if tags is not None:
            provinces = tags(new)
    options = {
        "source_id": source_id,
        "default_language": default_language,
        "clusters": clusters,
        "provinces": provinces,
        "known": stored,
        "prepared": rows or {},
    }
    for start in range(0, len(unique), repository.CHUNK):
        chunk = unique[start : start + repository.CHUNK]
        if _stored(session, chunk, outcome, options) is None:
            continue
        # The database refused the chunk: store item by item so one bad row costs only itself.
        for item in chunk:
            error = _stored(session, [item], outcome, options)
            if error is not None:
                log.warning(
                    "post refused by the database",
                    extra={"external_id": item.external_id, "error": error},
                )
                outcome.report.rejected.append(
                    Rejection(index=position[item.key], errors=[f"database refused: {error}"])
                )
    outcome.report.unchanged += len(items) - len(unique)
    return outcome


def _stored(
    session: Session, chunk: Sequence[PostIn], outcome: IngestOutcome, options: dict[str, Any]
) -> str | None:
    """Store a chunk inside a savepoint; return the database's complaint instead of raising."""
    part = IngestOutcome()
    try:
        with session.begin_nested():
            _ingest_chunk(session, chunk, part, **options)
    except StatementError as exc:
        # A lost or locked database is no fault of the items: let the caller's run fail.
        if isinstance(exc, OperationalError | InterfaceError):
            raise
        return str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
    for name in ("new", "updated", "unchanged", "duplicates"):
        setattr(outcome.report, name, getattr(outcome.report, name) + getattr(part.report, name))
    outcome.new_posts.extend(part.new_posts)
    outcome.declared_regions.update(part.declared_regions)
    return None


def post_id_of(session: Session, item: PostIn) -> int | None:
    """Return the id under which an item is stored (None when it is not)."""
    stored = repository.stored_by_key(session, [item.key])
    row = stored.get(item.key)
    return row.id if row is not None else None


def relink_copies(session: Session, hashes: Sequence[str]) -> int:
    """After a commit: link originals that a concurrent writer also stored as originals."""
    linked = repository.relink_copies(session, hashes)
    if linked:
        log.info("concurrent exact copies linked", extra={"posts": linked})
    return linked


def copy_key_text(title: str | None, text: str) -> str:
    """Return what exact-copy detection hashes: the text, with its title when not part of it."""
    # Why the title: feeds give every item the same teaser ("Baca selengkapnya ...");
    # hashing the teaser alone linked distinct articles as copies of the first one.
    if title and normalize_text(title) not in normalize_text(text):
        return f"{title}\n{text}"
    return text


def prepare_rows(
    items: Sequence[PostIn], source_id: int | None, default_language: str | None
) -> dict[tuple[str, str], dict[str, Any]]:
    """Return the insert row of each item by key (the later copy of a repeated key wins).

    Needs no database: `waspada ingest` and the collectors compute a page's rows (language
    detection, hashes, canonical URLs) while the previous page is being stored.
    """
    return {item.key: _row(item, source_id, default_language) for item in items}


def _row(item: PostIn, source_id: int | None, default_language: str | None) -> dict[str, Any]:
    # The item's own tag (platform, push client) then the source's setting: tie-breakers only.
    language = detect_language(
        f"{item.title}. {item.text}" if item.title and item.title not in item.text else item.text,
        declared=item.language or default_language,
    ).code
    return {
        "source_id": source_id,
        "platform": item.platform,
        "external_id": item.external_id,
        "url": item.url,
        "canonical_url": canonical_url(item.url),
        "author": item.author,
        "title": item.title,
        "text": item.text,
        "language": language,
        "published_at": item.published_at,
        "content_hash": content_hash(copy_key_text(item.title, item.text)),
        "raw": item.raw,
        "duplicate_of_id": None,  # multi-row INSERT needs the same keys in every row
    }


def _ingest_chunk(
    session: Session,
    items: Sequence[PostIn],
    outcome: IngestOutcome,
    *,
    source_id: int | None,
    default_language: str | None,
    clusters: Mapping[tuple[str, str], int],
    provinces: Mapping[tuple[str, str], Sequence[str]],
    known: Mapping[tuple[str, str], repository.Stored] | None,
    prepared: Rows,
) -> None:
    # A copy of a prepared row: the rows below are changed in place, and a chunk the
    # database refused is stored again item by item from the same prepared rows.
    rows = [
        dict(row)
        if (row := prepared.get(item.key)) is not None
        else _row(item, source_id, default_language)
        for item in items
    ]
    if known is None:
        stored = repository.stored_by_key(session, (item.key for item in items))
    else:
        stored = {item.key: known[item.key] for item in items if item.key in known}
    updates: list[dict[str, Any]] = []
    fresh: list[dict[str, Any]] = []
    for row in rows:
        old = stored.get((row["platform"], row["external_id"]))
        if old is None:
            fresh.append(row)
            continue
        changed = (
            old.content_hash != row["content_hash"]
            or old.url != row["url"]
            or old.title != row["title"]
            or old.author != row["author"]
        )
        if not changed:
            outcome.report.unchanged += 1
            continue
        update = {k: v for k, v in row.items() if k not in ("platform", "external_id", "source_id")}
        update["id"] = old.id
        if old.content_hash != row["content_hash"]:
            update["classified_at"] = None  # the text changed: score it again
        updates.append(update)
    repository.update_changed(session, updates)
    outcome.report.updated += len(updates)

    originals = repository.originals_by_hash(session, (r["content_hash"] for r in fresh))
    first: list[dict[str, Any]] = []
    copies: list[dict[str, Any]] = []
    seen: set[str] = set()
    now = utcnow()
    for row in fresh:
        row["fetched_at"] = now
        row["cluster_id"] = clusters.get((row["platform"], row["external_id"]))
        if codes := provinces.get((row["platform"], row["external_id"])):
            row["province_codes"] = list(codes)
        h = row["content_hash"]
        if h in originals:
            row["duplicate_of_id"] = originals[h]
            first.append(row)
        elif h in seen:
            copies.append(row)
        else:
            seen.add(h)
            first.append(row)
    ids = repository.insert_new(session, first)
    for row in first:
        originals.setdefault(row["content_hash"], ids.get((row["platform"], row["external_id"]), 0))
    for row in copies:
        row["duplicate_of_id"] = originals[row["content_hash"]] or None
    ids.update(repository.insert_new(session, copies))
    # Rows another writer inserted between our read and our insert count as unchanged.
    outcome.report.unchanged += len(fresh) - len(ids)
    outcome.report.new += len(ids)
    outcome.report.duplicates += sum(
        1 for r in fresh if r.get("duplicate_of_id") and (r["platform"], r["external_id"]) in ids
    )
    new_posts = repository.attach_inserted(session, [*first, *copies], ids)
    outcome.new_posts.extend(new_posts)
    outcome.declared_regions.update(
        {pid: item.region_code for item in items if item.region_code and (pid := ids.get(item.key))}
    )
