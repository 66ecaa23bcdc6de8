"""The matcher over one read of the fact-check rows, without SQLAlchemy.

Why apart from `service`: `waspada classify` reads the rows in a child process
(`monitor.cli.prefetch`) while its own process imports the scoring code, and builds the
matcher from them without importing the ORM. `service.load_matcher` builds its first
matcher the same way, so both give the same index.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

from classifiers.factcheck.index import FactCheckEntry, FactCheckIndex
from classifiers.factcheck.index_file import build_or_load
from classifiers.factcheck.matcher import FactCheckMatcher

# The service's logger: these lines were always logged under its name.
log = logging.getLogger("monitor.factchecks.service")

# (id, publisher, external id, title, url, claim, verdict), as `repository.all_rows` reads them.
Row = tuple[int, str | None, str, str, str | None, str | None, str | None]


def entry(
    pk: int,
    publisher: str | None,
    external_id: str,
    title: str,
    url: str | None,
    claim: str | None,
    verdict: str | None,
) -> FactCheckEntry:
    """Return the index entry of one fact-check row's fields."""
    key = f"{publisher}:{external_id}" if publisher else external_id
    return FactCheckEntry(
        key=key,
        title=title,
        url=url,
        claim=claim,
        pk=pk,
        publisher=publisher or None,
        verdict=verdict,
    )


def index_path(store: Path, url: str) -> Path:
    """Return where the saved index of the database at `url` lives under `store`."""
    return store / f"factcheck-index-{hashlib.sha256(url.encode()).hexdigest()[:16]}.npz"


def matcher_of(entries: list[FactCheckEntry], url: str, store: Path) -> FactCheckMatcher:
    """Return the matcher over `entries`: the index saved under `store` if theirs, else built."""
    path = index_path(store, url)
    try:
        index, why = build_or_load(entries, path)
    except OSError as exc:  # a read-only data directory: build in memory, say so once
        log.warning("fact-check index not saved", extra={"path": str(path), "error": str(exc)})
        index, why = FactCheckIndex(), None
        index.add(entries)
    if why:
        log.warning("fact-check index rebuilt", extra={"path": str(path), "reason": why})
    return FactCheckMatcher(index)


def matcher_from_rows(rows: Sequence[Row], url: str, store: Path) -> FactCheckMatcher | None:
    """Return what a process's first `service.load_matcher` returns when it reads `rows`.

    `rows` are every fact-check by id, read at once: the checks that call makes against
    rows changed between its reads hold by construction, and the rows above the newest
    indexed id are those without matchable text, which it skips again.
    """
    if not rows:
        return None
    entries = [entry(*row) for row in rows]
    matcher = matcher_of(entries, url, store)
    newest = matcher.index.max_pk
    matcher.index.add(e for e in entries if (e.pk or 0) > newest)
    if len(matcher.index) < len(rows):
        log.info(
            "fact-checks without matchable text skipped",
            extra={"indexed": len(matcher.index), "rows": len(rows)},
        )
    return matcher
