"""Fact-check logic: upsert imports and keep an incrementally refreshed matcher per database."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from classifiers.factcheck.index import FactCheckEntry, FactCheckIndex
from classifiers.factcheck.matcher import FactCheckMatcher
from monitor.factchecks import repository, snapshot
from monitor.factchecks.models import FactCheck
from monitor.factchecks.schemas import FactCheckIn

log = logging.getLogger(__name__)
_entry = snapshot.entry
index_path = snapshot.index_path

_FIELDS = ("title", "claim", "url", "verdict", "published_at", "rating", "appearances")


def _value(record: FactCheckIn, name: str) -> object:
    value = getattr(record, name)
    return list(value) if name == "appearances" else value


@dataclass
class ImportCounts:
    """What an import did."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    # Rows inserted or edited: the debunks to match against recent posts at once.
    changed: list[FactCheck] = field(default_factory=list)

    @property
    def changed_ids(self) -> list[int]:
        """Return the database ids of inserted or edited rows (after the flush)."""
        return [row.id for row in self.changed]


def import_records(
    session: Session, records: Sequence[FactCheckIn], source_id: int | None = None
) -> ImportCounts:
    """Insert new fact-checks and update changed ones, keyed by (publisher, external id)."""
    counts = ImportCounts()
    existing = repository.by_keys(session, [r.key for r in records])
    for record in records:
        row = existing.get(record.key)
        if row is None:
            row = FactCheck(
                publisher=record.publisher, external_id=record.external_id, source_id=source_id
            )
            for name in _FIELDS:
                setattr(row, name, _value(record, name))
            session.add(row)
            existing[record.key] = row
            counts.inserted += 1
            counts.changed.append(row)
            continue
        changed = [n for n in _FIELDS if (getattr(row, n) or None) != (_value(record, n) or None)]
        for name in changed:
            setattr(row, name, _value(record, name))
        if changed:
            counts.updated += 1
            counts.changed.append(row)
        else:
            counts.unchanged += 1
    session.flush()
    if counts.updated:
        invalidate_matchers()  # an edited title must not keep matching under its old wording
    return counts


def entry_of(row: FactCheck) -> FactCheckEntry:
    """Return the index entry of one fact-check row."""
    return _entry(
        row.id, row.publisher, row.external_id, row.title, row.url, row.claim, row.verdict
    )


def _from_store(session: Session, url: str, store: Path) -> FactCheckMatcher:
    # Reading the rows costs milliseconds; normalising and hashing them costs seconds.
    return snapshot.matcher_of([_entry(*row) for row in repository.all_rows(session)], url, store)


_matchers: dict[str, FactCheckMatcher] = {}
# Per database: total text length of the rows up to the indexed max id, last time we looked.
_text_lengths: dict[str, int] = {}
_lock = threading.Lock()


def invalidate_matchers() -> None:
    """Drop every cached matcher so the next `load_matcher` rebuilds from the database."""
    with _lock:
        _matchers.clear()
        _text_lengths.clear()


def _newest_still_stored(session: Session, index: FactCheckIndex) -> bool:
    if not index.entries:
        return True
    newest = index.entries[-1]
    row = repository.get(session, newest.pk) if newest.pk is not None else None
    return row is not None and entry_of(row) == newest


def save_index(session: Session, store: Path) -> None:
    """Build the saved index of the database's debunks under `store` unless it is current."""
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    _from_store(session, url, store)


def load_matcher(session: Session, store: Path | None = None) -> FactCheckMatcher | None:
    """Return a matcher over the database's fact-checks (None when there are none).

    The index is cached per database and grows by id: rows written since the last call (an
    import, a fact-checker collector) are added without re-indexing the rest. With `store`
    (the data directory), a process's first call reads the index saved there when it matches
    the debunks exactly, and otherwise builds and saves it (`classifiers.factcheck.index_file`).
    """
    count, max_id = repository.count_and_max_id(session)
    if count == 0:
        return None
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    with _lock:
        matcher = _matchers.get(url)
        if matcher is None and store is not None:
            matcher = _from_store(session, url, store)
            _matchers[url] = matcher
            _text_lengths[url] = repository.text_length(session, matcher.index.max_pk)
        # Fewer rows or a lower max id than indexed: rows were deleted or rolled back. The
        # newest indexed row must also still be what the database holds under its id (SQLite
        # reuses the ids of rolled-back rows), and the indexed rows' text must not have been
        # rewritten in place (a collector's upsert edits titles without telling us).
        if (
            matcher is None
            or matcher.index.max_pk > max_id
            or len(matcher.index) > count
            or not _newest_still_stored(session, matcher.index)
            or repository.text_length(session, matcher.index.max_pk) != _text_lengths.get(url)
        ):
            matcher = FactCheckMatcher(FactCheckIndex())
            _matchers[url] = matcher
        last = matcher.index.max_pk
        while True:
            rows = repository.after_id(session, last)
            if not rows:
                break
            matcher.index.add(entry_of(r) for r in rows)
            last = rows[-1].id
        _text_lengths[url] = repository.text_length(session, matcher.index.max_pk)
        if len(matcher.index) < count:
            log.info(
                "fact-checks without matchable text skipped",
                extra={"indexed": len(matcher.index), "rows": count},
            )
    return matcher
