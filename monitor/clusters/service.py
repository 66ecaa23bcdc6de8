"""Incremental narrative clustering of arriving posts, cluster statistics and priority.

The in-memory LSH is a cache of `clusters.signature` per database: built lazily, extended
by id as clusters appear, and rebuilt when rows vanish (a rollback or a deletion).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from classifiers.neardup import NearDupIndex, Signature, text_signature
from monitor.clusters import repository
from monitor.clusters.models import Cluster
from monitor.core.base import utcnow
from monitor.posts.models import Post

log = logging.getLogger(__name__)

# Growth is measured over the last hours of a cluster's life: a forward that spread
# yesterday and stopped should not outrank one spreading now.
GROWTH_WINDOW = timedelta(hours=6)
MIN_SPAN_HOURS = 1.0  # three copies in one minute are "3 per hour", not 180
# How much a cluster's spread (0..1) adds to a flagged member's score in the queue priority:
# a copy scored 0.7 in a cluster spreading fast outranks a lone post scored 0.95.
CLUSTER_WEIGHT = 0.5


@dataclass
class _Cache:
    """One database's in-memory index and how far it has read `clusters`."""

    index: NearDupIndex = field(default_factory=NearDupIndex)
    known_max: int = 0  # the largest cluster id read
    unreadable: int = 0  # rows read whose signature is missing or of an older scheme


_caches: dict[str, _Cache] = {}
_lock = threading.Lock()


def _read_after(session: Session, cache: _Cache) -> None:
    while True:
        rows = repository.signatures_after(session, cache.known_max)
        if not rows:
            return
        for cluster_id, stored in rows:
            sig = Signature.from_json(stored)
            if sig is None:
                cache.unreadable += 1
            else:
                cache.index.add(cluster_id, sig)
        cache.known_max = rows[-1][0]


def _index(session: Session) -> NearDupIndex:
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    count, max_id = repository.count_and_max_id(session)
    cache = _caches.get(url)
    # Rows vanished (a rollback or a deletion): start again.
    if cache is None or cache.known_max > max_id or len(cache.index) > count:
        cache = _caches[url] = _Cache()
    _read_after(session, cache)
    if len(cache.index) + cache.unreadable < count:
        # A gap below known_max: another writer's cluster committed after we read past its
        # id (several schedulers on PostgreSQL). Rare; re-read everything once.
        cache = _caches[url] = _Cache()
        _read_after(session, cache)
    return cache.index


def reset_cache() -> None:
    """Forget every in-memory index (the next arrival rebuilds from the database)."""
    with _lock:
        _caches.clear()


def _find(
    session: Session, index: NearDupIndex, sig: Signature, pending: dict[int, _Pending]
) -> Cluster | _Pending | None:
    for cluster_id, _ in index.query(sig):
        if cluster_id < 0:  # created earlier in this batch, not yet flushed
            if cluster_id in pending:
                return pending[cluster_id]
            index.remove(cluster_id)
            continue
        cluster = repository.get(session, cluster_id)
        stored = Signature.from_json(cluster.signature) if cluster is not None else None
        if (
            cluster is not None
            and stored is not None
            and stored.similarity(sig) >= index.threshold
            and stored.names_agree(sig)
        ):
            return cluster
        # Stale cache entry (a rolled-back cluster whose id was reused): drop it.
        index.remove(cluster_id)
        if cluster is not None and stored is not None:
            index.add(cluster_id, stored)
    return None


@dataclass
class _Pending:
    """A cluster created in this batch: indexed under a negative id until its INSERT."""

    cluster: Cluster
    signature: Signature
    members: list[Post] = field(default_factory=list)


def _assign(
    session: Session,
    index: NearDupIndex,
    posts: Sequence[Post],
    pending: dict[int, _Pending],
    touched: dict[int, Cluster],
) -> None:
    for post in posts:
        sig = text_signature(post.text or "")
        if sig is None:
            continue
        found = _find(session, index, sig, pending)
        if isinstance(found, _Pending):
            found.members.append(post)
        elif found is not None:
            post.cluster_id = found.id
            touched[found.id] = found
        else:
            seen = post.published_at or post.fetched_at or utcnow()
            cluster = Cluster(
                representative_post_id=post.id,
                signature=sig.to_json(),
                first_seen=seen,
                last_seen=seen,
                size=0,
            )
            session.add(cluster)
            temp = -(len(pending) + 1)
            pending[temp] = _Pending(cluster, sig, [post])
            index.add(temp, sig)


def assign_clusters(session: Session, posts: Sequence[Post]) -> None:
    """Arrival hook: put each new post in its near-copy cluster and refresh cluster stats."""
    touched: dict[int, Cluster] = {}
    with _lock:
        index = _index(session)
        # Why pending: one INSERT round for every new cluster of the batch, not one each.
        pending: dict[int, _Pending] = {}
        try:
            # Why no_autoflush: each cluster lookup would otherwise flush the batch so far.
            with session.no_autoflush:
                _assign(session, index, posts, pending, touched)
            session.flush()
        finally:
            for temp, new in pending.items():
                index.remove(temp)
                if new.cluster.id is not None:
                    # known_max stays: the next read re-adds these, and sees other writers'.
                    index.add(new.cluster.id, new.signature)
        for new in pending.values():
            for post in new.members:
                post.cluster_id = new.cluster.id
            touched[new.cluster.id] = new.cluster
    session.flush()
    refresh_many(session, list(touched.values()))
    session.flush()
    refresh_priorities(session, touched.values())
    # New copies of a cluster a reviewer decided inherit that decision (visibly, reversibly).
    from monitor.reviews.service import inherit_cluster_decisions

    inherit_cluster_decisions(session, posts)


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
    # Why grouped: an arrival batch touches hundreds of clusters, most of them new.
    for start in range(0, len(clusters), 500):
        chunk = {c.id: c for c in clusters[start : start + 500]}
        ids = list(chunk)
        stats = repository.member_stats(session, ids)
        regions = repository.region_counts(session, ids)
        growing = [i for i in ids if stats.get(i, (0,))[0] > 1]
        since = min((s[2] for i in growing if (s := stats[i])[2] is not None), default=None)
        times = (
            repository.seen_times(session, growing, since - GROWTH_WINDOW)
            if growing and since is not None
            else {}
        )
        for cluster_id, cluster in chunk.items():
            size, first, last, sources, accounts = stats.get(cluster_id, (0, None, None, 0, 0))
            cluster.size = size
            if first is not None and last is not None:
                cluster.first_seen, cluster.last_seen = first, last
                cluster.growth_rate = round(growth_rate(times.get(cluster_id, []), last), 4)
            cluster.n_sources = sources
            cluster.n_accounts = accounts
            cluster.n_regions = regions.get(cluster_id, 0)


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

    def boost(self) -> float:
        """Return what the spread adds to a copy's queue priority (CLUSTER_WEIGHT applied)."""
        return round(CLUSTER_WEIGHT * (self.growth + self.size + self.reach), 4)


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


def refresh_priorities(
    session: Session, clusters: Iterable[Cluster], now: datetime | None = None
) -> int:
    """Re-blend the queue priority of every flagged copy in these clusters; return how many."""
    now = now or utcnow()
    changed = 0
    spread = [c for c in clusters if c.size >= 2]
    # Arrivals are not scored yet: most touched clusters have no flagged copy to re-rank.
    flagged = repository.with_flagged_members(session, [c.id for c in spread])
    for cluster in spread:
        if cluster.id in flagged:
            boost = CLUSTER_WEIGHT * cluster_priority(cluster, now)
            changed += repository.set_member_priority(session, cluster.id, boost)
    return changed


def refresh_active(session: Session, now: datetime | None = None) -> int:
    """Refresh priorities of clusters seen lately (growth fades once copies stop coming)."""
    now = now or utcnow()
    # Twice the window: clusters that just went quiet must lose their growth boost once.
    return refresh_priorities(
        session, repository.active_since(session, now - 2 * GROWTH_WINDOW), now
    )


def post_priority(session: Session, post: Post) -> float:
    """Return a post's priority contribution from the cluster it belongs to."""
    if post.cluster_id is None:
        return 0.0
    return cluster_priority(repository.get(session, post.cluster_id))
