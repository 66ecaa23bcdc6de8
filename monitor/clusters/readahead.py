"""The next page's band rows and candidate signatures, read while the page before is stored.

Why: on PostgreSQL a page's statements are a chain (each one's parameters come from the
rows before), so the process and its backend take turns on one core; at 1 M stored the band
lookup and the candidate signature read are about a third of the server's part of a page
(docs/benchmarks.md, sixteenth pass). Both need only the page's band keys, which the
prepared page holds before any database work, so they can run on a second connection, in
a thread (psycopg releases the GIL while it waits), while the page before runs its chain.

What such a read cannot see is the page before's own uncommitted rows. A page adds to the
hot index only its first copies' band rows and signatures (copies add none, no row is
deleted), and the clustering step keeps them (`PageHeads`): per band key they are merged
with the rows read and cut to the same newest `PER_BAND`, which is what the read would have
returned after that page's commit. Signatures never change once stored; candidates the
merge brings in that were not read are read on the page's own connection. Quiet first
copies (`HOT_WINDOW`) are read again on the page's connection: when they differ (the page
before woke one by joining it, or one just turned quiet), the read is dropped.

Rows another process commits while the read runs are not seen by it: such a copy is
compared as if it had arrived a page later (the same race as two uncommitted pages).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy.orm import Session

from monitor.clusters import repository_bands as bands
from monitor.clusters.placement import _TOP, Signed
from monitor.clusters.service import HOT_WINDOW, PER_BAND, PageHeads, _candidates
from monitor.core.base import utcnow

log = logging.getLogger(__name__)


@dataclass
class ReadAhead:
    """Band rows and candidate signatures of a page, read before the page before committed."""

    cold: list[int]  # the quiet first copies the read left out
    band_keys: np.ndarray
    band_heads: np.ndarray
    packed: dict[int, bytes]
    before: PageHeads | None = None  # what the page before added (None: not known, unusable)
    made_for: object = None  # the signed items it was read for (a page uses only its own)

    def valid(self, session: Session, since: datetime) -> bool:
        """Return whether the read still holds: the page before is known, same quiet set."""
        return self.before is not None and bands.cold_heads(session, since) == self.cold

    def band_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the band rows read, with the page before's merged in (newest PER_BAND a key)."""
        before = self.before or PageHeads.empty()
        if not len(before.band_keys):
            return self.band_keys, self.band_heads
        keys = np.concatenate([self.band_keys, before.band_keys])
        heads = np.concatenate([self.band_heads, before.band_heads])
        order = np.lexsort((-heads, keys))  # by key, newest first
        keys, heads = keys[order], heads[order]
        # Once each: a read that ran late (its thread starved) already saw them committed.
        first = np.r_[True, (keys[1:] != keys[:-1]) | (heads[1:] != heads[:-1])]
        keys, heads = keys[first], heads[first]
        n = len(keys)
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
        kept = rank < PER_BAND
        return keys[kept], heads[kept]

    def signatures(self) -> dict[int, bytes]:
        """Return every signature known without asking: read ahead, or the page before's."""
        before = self.before.packed if self.before is not None else {}
        return {**self.packed, **before}


def read_ahead(
    session: Session, signed: Mapping[tuple[str, str], Signed], now: datetime
) -> ReadAhead | None:
    """Read the band rows and likely candidates' signatures of a page's signed items."""
    keys = [b for sig, b in signed.values() if sig is not None and b is not None]
    if not keys:
        return None
    cold = bands.cold_heads(session, now - HOT_WINDOW)
    if cold is None:  # too many quiet first copies: the lookup filters by join (not read ahead)
        return None
    lengths = np.fromiter(map(len, keys), np.int64, len(keys))
    posts = _TOP - np.arange(len(keys), dtype=np.int64)  # stand-ins, as `Placement`
    query_keys = np.fromiter((k for ks in keys for k in ks), np.int64, int(lengths.sum()))
    query_posts = np.repeat(posts, lengths)
    band_keys, band_heads = bands.hot_band_posts(
        session, np.unique(query_keys).tolist(), cold, PER_BAND
    )
    # Candidates as the page would rank them on these rows; the page before's first copies
    # may displace some, and the few that then come in are read by the page itself.
    _, pair_heads = _candidates(posts, query_keys, query_posts, band_keys, band_heads)
    packed = bands.heads(session, np.unique(pair_heads).tolist())
    return ReadAhead(cold, band_keys, band_heads, packed)


class Lookahead:
    """Reads each next page's band rows and candidates in a thread, on its own connection.

    Per page: `following` = how to get the next page's signatures (the thread calls it: it
    may wait for the page's preparation), then `begin_page` (after the page before
    committed), the page's statements, and `end_page` with what the page indexed.
    """

    def __init__(self, factory: Callable[[], Session]) -> None:
        self._factory = factory
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="read-ahead")
        self._pending: Future[ReadAhead | None] | None = None
        self._before: PageHeads | None = None
        self._started_by: object = None  # the page whose begin started the pending read
        self.following: Callable[[], Mapping[tuple[str, str], Signed] | None] | None = None

    def begin_page(
        self, signed: Mapping[tuple[str, str], Signed] | None = None
    ) -> ReadAhead | None:
        """Return the read made for this page's `signed` (None: none) and start the next's."""
        if signed is not None and signed is self._started_by and self._pending is not None:
            # The same page again (a unit stored again after a conflict): the pending read
            # is the next page's. Waiting for it here would hold this unit's transaction
            # open while the next source is still being fetched, and spend it.
            return None
        pending, self._pending = self._pending, None
        before, self._before = self._before, None
        read = None
        if pending is not None:
            try:
                read = pending.result()
            except Exception:  # the page reads for itself, as without the thread
                log.warning("read ahead failed; the page reads for itself", exc_info=True)
        # Why the check: a collector's source that stores no page (a fact-checker, no items,
        # a unit stored again after a conflict) leaves a read made for another page pending.
        if read is not None and (signed is None or read.made_for is not signed):
            read = None
        if read is not None:
            read.before = before
        if self.following is not None:
            self._pending = self._pool.submit(self._read, self.following, utcnow())
            self._started_by = signed
            self.following = None
        return read

    def end_page(self, indexed: PageHeads | None) -> None:
        """Keep what this page added to the hot index for the read made meanwhile."""
        self._before = indexed

    def forget(self) -> None:
        """Forget what the page before added: its commit failed, so the next read is unusable."""
        self._before = None

    def _read(
        self, following: Callable[[], Mapping[tuple[str, str], Signed] | None], now: datetime
    ) -> ReadAhead | None:
        signed = following()
        if not signed:
            return None
        with self._factory() as session:
            try:
                read = read_ahead(session, signed, now)
                if read is not None:
                    read.made_for = signed
                return read
            finally:
                session.rollback()

    def close(self) -> None:
        """Drop a read nobody will use and stop the thread."""
        if self._pending is not None:
            self._pending.cancel()
        self._pool.shutdown(wait=True)
