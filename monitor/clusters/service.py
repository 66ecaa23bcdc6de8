"""Narrative clustering of arriving posts and cluster statistics.

The hot index lives in the database (`post_signatures`, `post_bands`), so every process and
every machine sees the same first copies; a cluster row is created when a second copy arrives.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy.orm import Session

from classifiers.neardup import (
    MAX_CANDIDATES,
    NearDupIndex,
    Signature,
    packed_values,
    readable,
    stored_band_keys_many,
    text_signatures,
)
from monitor.clusters import repository
from monitor.clusters import repository_bands as bands
from monitor.clusters.models import Cluster
from monitor.core.base import utcnow
from monitor.posts.models import Post

if TYPE_CHECKING:
    from monitor.clusters.readahead import ReadAhead

log = logging.getLogger(__name__)

# Growth is measured over the last hours of a cluster's life: a forward that spread
# yesterday and stopped should not outrank one spreading now.
GROWTH_WINDOW = timedelta(hours=6)
MIN_SPAN_HOURS = 1.0  # three copies in one minute are "3 per hour", not 180


# A message stays findable by its copies while it keeps arriving: bands of a message quiet
# for longer leave the hot index (lookups skip them, `prune_cold` deletes them).
HOT_WINDOW = timedelta(days=7)
# Newest first copies verified per shared band (a template flood shares bands widely).
PER_BAND = 8


@dataclass
class Assignment:
    """What clustering did to one page of arrivals."""

    cluster_ids: list[int] = field(default_factory=list)  # touched: created or grown
    created: int = 0
    backfilled: list[int] = field(default_factory=list)  # first copies given a cluster now


@dataclass
class _Head:
    """A first copy a new post may join: stored earlier, or earlier in this page."""

    post_id: int
    cluster_id: int | None
    post: Post | None = None  # set when the first copy is in this page
    sig: Signature | None = None
    packed: bytes | None = None  # a stored head's signature, read when first needed

    @property
    def signature(self) -> Signature:
        """Return the signature (a stored head's is decoded on first use)."""
        if self.sig is None:
            decoded = Signature.from_bytes(self.packed)
            if decoded is None:  # never: `_stored_heads` keeps readable signatures only
                raise ValueError(f"unreadable signature of post {self.post_id}")
            self.sig = decoded
        return self.sig


@dataclass
class _Stored:
    """The stored first copies close enough to each post of a page (sim >= threshold)."""

    close: dict[int, list[tuple[_Head, float]]]  # post id -> (head, estimated similarity)

    def options(self, post_id: int) -> list[tuple[_Head, float]]:
        """Return the stored heads a post may join with their estimated similarity."""
        return list(self.close.get(post_id, ()))


@dataclass
class Placed:
    """What the arrival's clustering found before the posts were inserted (`placement`)."""

    sigs: dict[tuple[str, str], Signature | None] = field(default_factory=dict)
    bands: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    options: dict[tuple[str, str], list[tuple[_Head, float]]] = field(default_factory=dict)
    created: dict[int, int] = field(default_factory=dict)  # stored first copy -> its new cluster
    indexed: PageHeads | None = None  # set by the clustering step: the page's new first copies


@dataclass
class PageHeads:
    """The band rows and signatures one page added to the hot index (its first copies)."""

    band_keys: np.ndarray  # int64, one per band row
    band_heads: np.ndarray  # int64, the first copy of each band row
    packed: dict[int, bytes]  # first copy -> its stored signature

    @classmethod
    def empty(cls) -> PageHeads:
        """Return what a page without new first copies added: nothing."""
        return cls(np.empty(0, np.int64), np.empty(0, np.int64), {})


def _stored_heads(
    session: Session,
    keys: dict[int, list[int]],
    sigs: dict[int, Signature],
    now: datetime,
    threshold: float,
    ahead: ReadAhead | None = None,
) -> _Stored:
    """Look up every post's bands at once; return, per post, the stored heads close to it.

    Candidates per post are its MAX_CANDIDATES stored heads sharing the most bands (newest
    first on ties); the ranking, the head lookup and the comparison run as numpy passes
    over the whole page (a Python loop per band row cost more than the lookup at 1 M).
    `ahead` is the band rows and signatures read while the page before was stored
    (`ReadAhead`): used, corrected by that page's own first copies, when still valid.
    """
    posts = np.fromiter(keys, np.int64, len(keys))
    lengths = np.fromiter(map(len, keys.values()), np.int64, len(keys))
    query_keys = np.fromiter((k for ks in keys.values() for k in ks), np.int64, int(lengths.sum()))
    query_posts = np.repeat(posts, lengths)
    since = now - HOT_WINDOW
    known: dict[int, bytes] = {}
    if ahead is not None and ahead.valid(session, since):
        band_keys, band_heads = ahead.band_rows()
        known = ahead.signatures()
    else:
        band_keys, band_heads = bands.band_posts(
            session, np.unique(query_keys).tolist(), since, PER_BAND
        )
    pair_posts, pair_heads = _candidates(posts, query_keys, query_posts, band_keys, band_heads)
    wanted = np.unique(pair_heads).tolist()
    if known:
        # Read ahead: only candidates the page before's own first copies displaced are new.
        stored = {h: known[h] for h in wanted if h in known}
        stored.update(bands.heads(session, [h for h in wanted if h not in known]))
    else:
        stored = bands.heads(session, wanted)
    readable_ids = sorted(h for h, packed in stored.items() if readable(packed))
    head_ids = np.asarray(readable_ids, np.int64)
    values = packed_values([stored[h] for h in readable_ids])
    row = np.searchsorted(head_ids, pair_heads)
    found = row < len(head_ids)
    found[found] = head_ids[row[found]] == pair_heads[found]
    pair_posts, row = pair_posts[found], row[found]
    post_values = np.stack([sigs[int(p)].values for p in posts])
    post_row = np.searchsorted(np.sort(posts), pair_posts)
    by_post = np.argsort(posts)[post_row]
    sims = (values[row] == post_values[by_post]).mean(axis=1)
    close = sims >= threshold
    clusters = repository.cluster_of(session, head_ids[np.unique(row[close])].tolist())
    heads: dict[int, _Head] = {}
    out: dict[int, list[tuple[_Head, float]]] = {}
    for post_id, r, sim in zip(
        pair_posts[close].tolist(), row[close].tolist(), sims[close].tolist(), strict=True
    ):
        head_id = readable_ids[r]
        head = heads.get(head_id)
        if head is None:
            cluster_id = clusters.get(head_id)
            head = heads[head_id] = _Head(head_id, cluster_id, packed=stored[head_id])
        out.setdefault(post_id, []).append((head, sim))
    return _Stored(out)


def _candidates(
    posts: np.ndarray,
    query_keys: np.ndarray,
    query_posts: np.ndarray,
    band_keys: np.ndarray,
    band_heads: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Return (post, head) pairs: per post its MAX_CANDIDATES heads sharing the most bands."""
    order = np.argsort(band_keys, kind="stable")
    band_keys, band_heads = band_keys[order], band_heads[order]
    lo = np.searchsorted(band_keys, query_keys, "left")
    hits = np.searchsorted(band_keys, query_keys, "right") - lo
    # Every (post, head) pair once per band they share, then counted.
    pair_posts = np.repeat(query_posts, hits)
    at = np.repeat(lo - (np.cumsum(hits) - hits), hits) + np.arange(int(hits.sum()))
    pair_heads = band_heads[at]
    other = pair_heads != pair_posts
    pairs, shared = np.unique((pair_posts[other] << 32) | pair_heads[other], return_counts=True)
    pair_posts, pair_heads = pairs >> 32, pairs & 0xFFFF_FFFF
    # Per post: most shared bands first, then the newest head; the first MAX_CANDIDATES.
    order = np.lexsort((-pair_heads, -shared, pair_posts))
    pair_posts, pair_heads = pair_posts[order], pair_heads[order]
    n = len(pair_posts)
    starts = np.flatnonzero(np.r_[True, pair_posts[1:] != pair_posts[:-1]]) if n else posts[:0]
    rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    kept = rank < MAX_CANDIDATES
    return pair_posts[kept], pair_heads[kept]


def _best(sig: Signature, options: Sequence[tuple[_Head, float]], threshold: float) -> _Head | None:
    best: tuple[float, int] | None = None
    chosen = None
    for head, sim in options:
        if sim >= threshold and head.signature.names_agree(sig):
            rank = (sim, -head.post_id)
            if best is None or rank > best:
                best, chosen = rank, head
    return chosen


def assign_clusters(
    session: Session,
    posts: Sequence[Post],
    now: datetime | None = None,
    placed: Placed | None = None,
) -> Assignment:
    """Arrival step: join each new post to its first copy; a cluster row exists only for copies.

    The first copy of a message stores its signature and bands (the hot index); a later copy
    finds it with one bulk band lookup per page, and the pair gets a cluster row then (the
    first copy backfilled). Copies do not add bands: they are compared with the first copy.
    """
    now = now or utcnow()
    done = Assignment()
    local = NearDupIndex()
    if placed is not None and all((p.platform, p.external_id) in placed.sigs for p in posts):
        # Signatures and stored candidates were found before the insert (`placement`).
        by_key = {p.id: (p.platform, p.external_id) for p in posts}
        sigs = {i: s for i, k in by_key.items() if (s := placed.sigs[k]) is not None}
        keys = {i: placed.bands[by_key[i]] for i in sigs}
        stored = _Stored({i: placed.options.get(by_key[i], []) for i in sigs})
    else:
        computed = text_signatures([p.text or "" for p in posts])
        sigs = {p.id: s for p, s in zip(posts, computed, strict=True) if s is not None}
        if not sigs:
            return done
        keys = dict(zip(sigs, stored_band_keys_many(list(sigs.values())), strict=True))
        stored = _stored_heads(session, keys, sigs, now, local.threshold)
    page_heads: dict[int, _Head] = {}
    joins: list[tuple[Post, _Head]] = []
    for post in sorted(posts, key=lambda p: p.id):
        sig = sigs.get(post.id)
        if sig is None:
            continue
        options = stored.options(post.id)
        options += [(page_heads[h], sim) for h, sim in local.query(sig)]
        head = _best(sig, options, local.threshold)
        if head is None:
            page_heads[post.id] = _Head(post.id, post.cluster_id, post, sig)
            local.add(post.id, sig)
        else:
            joins.append((post, head))
    _link(session, joins, now, done)
    if placed is not None and placed.created:
        _settle_early(session, placed.created, joins, done)
    indexed = _index_heads(session, page_heads, keys, now)
    if placed is not None:
        placed.indexed = indexed
    refresh_ids(session, done.cluster_ids)
    return done


def _link(
    session: Session, joins: Sequence[tuple[Post, _Head]], now: datetime, done: Assignment
) -> None:
    """Create the clusters copies need (backfilling first copies), then join the copies."""
    # Core statements, not ORM flushes: a page joins hundreds of copies (the repository
    # updates the rows this session holds in place, so later steps read the new cluster).
    # A stored first copy without a cluster may be getting one from another arrival right
    # now (two source runs, two ingest pages): its row is held until this page commits.
    lone = sorted({h.post_id for _, h in joins if h.cluster_id is None and h.post is None})
    now_in = repository.claim_heads(session, lone)
    for _, head in joins:
        if head.cluster_id is None and now_in.get(head.post_id) is not None:
            head.cluster_id = now_in[head.post_id]
    created: dict[int, tuple[_Head, dict[str, Any]]] = {}
    for post, head in joins:
        if head.cluster_id is None and head.post_id not in created:
            seen = post.published_at or post.fetched_at or now
            row = {
                "representative_post_id": head.post_id,
                "signature": head.signature.to_json(),
                "first_seen": seen,
                "last_seen": seen,
                "size": 0,
            }
            created[head.post_id] = (head, row)
    ids = repository.insert_clusters(session, [row for _, row in created.values()])
    for (head, _), cluster_id in zip(created.values(), ids, strict=True):
        head.cluster_id = cluster_id
    moves: dict[int, int] = {h.post_id: h.cluster_id for h, _ in created.values() if h.cluster_id}
    for post, head in joins:
        # A copy placed before its insert already holds its cluster: no second row version.
        if head.cluster_id is not None and post.cluster_id != head.cluster_id:
            moves[post.id] = head.cluster_id
    repository.set_post_clusters(session, sorted(moves.items()))
    repository.touch_heads(session, sorted({h.post_id for _, h in joins if h.post is None}), now)
    done.created = len(created)
    done.backfilled = sorted(created)
    done.cluster_ids = sorted({h.cluster_id for _, h in joins if h.cluster_id})


def _settle_early(
    session: Session, created: dict[int, int], joins: Sequence[tuple[Post, _Head]], done: Assignment
) -> None:
    """Count the clusters made before the insert; drop those no copy joined in the end."""
    # A copy closer to a first copy earlier in its own page than to the stored one joins
    # the page's (rare): the stored first copy's new cluster then has no copy.
    joined = {h.post_id for _, h in joins}
    used = sorted(h for h in created if h in joined)
    done.created += len(used)
    done.backfilled = sorted({*done.backfilled, *used})
    repository.drop_clusters(session, sorted(c for h, c in created.items() if h not in joined))


def _index_heads(
    session: Session, heads: dict[int, _Head], keys: dict[int, list[int]], now: datetime
) -> PageHeads:
    """Store the signatures and bands of this page's first copies (two bulk INSERTs)."""
    packed = {h.post_id: h.signature.to_bytes() for h in heads.values()}
    signatures = [{"post_id": p, "packed": b, "seen_at": now} for p, b in packed.items()]
    bands = [(k, h.post_id) for h in heads.values() for k in keys[h.post_id]]
    repository.add_heads(session, signatures, bands)
    # Kept for the next page's read ahead, which cannot see them before this page commits.
    flat = np.asarray(bands, np.int64).reshape(-1, 2)
    return PageHeads(flat[:, 0].copy(), flat[:, 1].copy(), packed)


def prune_cold(session: Session, now: datetime | None = None) -> int:
    """Drop the bands of messages quiet for HOT_WINDOW; return how many band rows went."""
    return bands.prune_bands(session, (now or utcnow()) - HOT_WINDOW)


def growth_rate(times: Sequence[datetime], last_seen: datetime) -> float:
    """Return copies per hour over the window ending at last_seen (0 for a single copy)."""
    recent = [t for t in times if t >= last_seen - GROWTH_WINDOW]
    if len(recent) < 2:
        return 0.0
    span = (last_seen - min(recent)).total_seconds() / 3600
    return len(recent) / max(span, MIN_SPAN_HOURS)


def refresh_stats(session: Session, cluster: Cluster) -> Cluster:
    """Recompute size, first/last seen, sources, accounts, regions and growth of a cluster."""
    refresh_many(session, [cluster])
    return cluster


def refresh_many(session: Session, clusters: Sequence[Cluster]) -> None:
    """Recompute the statistics of several clusters with a few grouped queries."""
    stats = _statistics(session, [c.id for c in clusters])
    for cluster in clusters:
        for name, value in stats[cluster.id].items():
            setattr(cluster, name, value)


def refresh_ids(session: Session, cluster_ids: Sequence[int]) -> None:
    """Recompute and store the statistics of clusters by id (one UPDATE executemany)."""
    stats = _statistics(session, cluster_ids)
    repository.store_stats(session, [{"cluster": c, **v} for c, v in stats.items()])


def _statistics(session: Session, cluster_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Return the new statistics of each cluster (size, seen times, reach, growth)."""
    # Why grouped: an arrival batch touches hundreds of clusters, most of them new.
    out: dict[int, dict[str, Any]] = {}
    for start in range(0, len(cluster_ids), 500):
        ids = list(cluster_ids[start : start + 500])
        stats = repository.member_stats(session, ids)
        regions = repository.region_counts(session, ids)
        growing = [i for i in ids if stats.get(i, (0,))[0] > 1]
        since = min((s[2] for i in growing if (s := stats[i])[2] is not None), default=None)
        times = (
            repository.seen_times(session, growing, since - GROWTH_WINDOW)
            if growing and since is not None
            else {}
        )
        for cluster_id in ids:
            size, first, last, sources, accounts = stats.get(cluster_id, (0, None, None, 0, 0))
            values: dict[str, Any] = {
                "size": size,
                "n_sources": sources,
                "n_accounts": accounts,
                "n_regions": regions.get(cluster_id, 0),
            }
            if first is not None and last is not None:
                values["first_seen"], values["last_seen"] = first, last
                values["growth_rate"] = round(growth_rate(times.get(cluster_id, []), last), 4)
            out[cluster_id] = values
    return out


def cluster_priority(cluster: Cluster | None, now: datetime | None = None) -> float:
    """Return a priority contribution in [0, 1) from a cluster's spread.

    Growth dominates (half weight reached at 4 copies/hour) while the cluster is still
    active (a copy within GROWTH_WINDOW of `now`); size and reach add the rest, so a
    fast-spreading cluster outranks a lone post, which contributes 0.
    """
    parts = spread_parts(cluster, now)
    return round(parts.growth + parts.size + parts.reach, 4)


@dataclass(frozen=True)
class SpreadParts:
    """A cluster's spread contribution split into its weighted parts (each in [0, 1))."""

    growth: float = 0.0
    size: float = 0.0
    reach: float = 0.0
    active: bool = False


def spread_parts(cluster: Cluster | None, now: datetime | None = None) -> SpreadParts:
    """Return the parts `cluster_priority` sums, so the queue can show why a row ranks high."""
    if cluster is None or cluster.size < 2:
        return SpreadParts()
    active = now is None or cluster.last_seen >= now - GROWTH_WINDOW
    rate = cluster.growth_rate if active else 0.0
    growth = 1 - math.exp(-rate / 4 * math.log(2))
    size = min(math.log10(cluster.size) / 3, 1.0)  # 1,000 copies saturate
    reach = min((cluster.n_sources + cluster.n_regions) / 20, 1.0)
    return SpreadParts(growth=0.6 * growth, size=0.25 * size, reach=0.15 * reach, active=active)
