"""The one queue priority: a flagged post's score, raised by its cluster's spread, its
regions' election risk and its recency. The flows are its only writers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from monitor.clusters.models import Cluster
from monitor.clusters.service import GROWTH_WINDOW, cluster_priority
from monitor.core.base import utcnow
from monitor.flows import repository

# How much a cluster's spread (0..1) adds: a copy scored 0.7 in a cluster spreading fast
# outranks a lone post scored 0.95.
CLUSTER_WEIGHT = 0.5
# A region with a high Bawaslu IKP (vulnerability) score raises its posts a little: enough
# to break ties between similar scores, never enough to lift a weak score over a strong one.
REGION_WEIGHT = 0.1
# Newer posts first among equals: the bonus fades linearly to 0 over RECENCY_WINDOW.
RECENCY_WEIGHT = 0.05
RECENCY_WINDOW = timedelta(hours=48)


@dataclass(frozen=True)
class PriorityParts:
    """The parts of a post's priority, each in [0, 1], as the desk shows them."""

    score: float  # the best flagged score (a debunk match counts); 0 when not flagged
    cluster: float  # spread of the post's near-copy cluster (clusters.cluster_priority)
    region_risk: float  # highest IKP of the post's regions / 100
    recency: float  # 1 when just seen, 0 after RECENCY_WINDOW

    @property
    def total(self) -> float:
        """Return the priority these parts make (0 for a post that is not flagged)."""
        return priority(self)


def priority(parts: PriorityParts) -> float:
    """Blend the parts into the queue priority; only flagged posts rank above 0."""
    if parts.score <= 0:
        return 0.0
    value = (
        parts.score
        + CLUSTER_WEIGHT * parts.cluster
        + REGION_WEIGHT * parts.region_risk
        + RECENCY_WEIGHT * parts.recency
    )
    return round(value, 6)


def recency(seen: datetime | None, now: datetime) -> float:
    """Return 1 for a post seen now, falling linearly to 0 at RECENCY_WINDOW."""
    if seen is None:
        return 0.0
    age = (now - seen).total_seconds() / RECENCY_WINDOW.total_seconds()
    return round(min(max(1.0 - age, 0.0), 1.0), 4)


def priority_parts(
    session: Session,
    post_ids: Sequence[int],
    now: datetime | None = None,
    known: Mapping[int, Cluster] | None = None,
) -> dict[int, PriorityParts]:
    """Read every part of these posts' priorities with a few grouped queries.

    `known`: clusters the caller already loaded (the queue page has them), not read again.
    """
    now = now or utcnow()
    return _parts(session, repository.scored_parts(session, list(post_ids)), now, known)


def _parts(
    session: Session,
    rows: Sequence[Any],
    now: datetime,
    known: Mapping[int, Cluster] | None = None,
) -> dict[int, PriorityParts]:
    flagged = [int(r[0]) for r in rows if r[1]]
    wanted = sorted({r[4] for r in rows if r[4] and r[1]})
    clusters = dict(known or {})
    missing = [c for c in wanted if c not in clusters]
    if missing:
        clusters.update(repository.clusters(session, missing))
    risk = repository.region_risk(session, flagged) if flagged else {}
    out: dict[int, PriorityParts] = {}
    for post_id, is_flagged, best, seen, cluster_id, _ in rows:
        cluster = clusters.get(cluster_id) if cluster_id else None
        out[int(post_id)] = parts_of(is_flagged, best, seen, cluster, risk.get(post_id), now)
    return out


def parts_of(
    is_flagged: bool,
    best: float | None,
    seen: datetime | None,
    cluster: Cluster | None,
    risk: float | None,
    now: datetime,
) -> PriorityParts:
    """Return one post's parts from what was read: its best flagged score, when it was seen,
    its cluster and its regions' highest IKP (0-100; None when there is none)."""
    return PriorityParts(
        score=float(best or 0.0) if is_flagged else 0.0,
        cluster=cluster_priority(cluster, now) if cluster is not None else 0.0,
        region_risk=round(min((risk or 0.0) / 100, 1.0), 4),
        recency=recency(seen, now),
    )


def update_priorities(
    session: Session, post_ids: Iterable[int], now: datetime | None = None
) -> int:
    """Recompute and store the priority of these posts; return how many changed."""
    now = now or utcnow()
    ids = sorted(set(post_ids))
    if not ids:
        return 0
    # Unflagged posts at priority 0 are most arrivals: nothing more to read or write for them.
    rows = [r for r in repository.scored_parts(session, ids) if r[1] or r[5]]
    parts = _parts(session, rows, now)
    current = {int(r[0]): float(r[5] or 0.0) for r in rows}
    changed = [
        (i, p.total)
        for i, p in parts.items()
        if not math.isclose(p.total, current[i], abs_tol=1e-9)
    ]
    repository.write_priorities(session, changed)
    session.flush()
    return len(changed)


def refresh_recent(session: Session, now: datetime | None = None) -> int:
    """Periodic refresh: recency fades and cluster growth stops; return priorities changed."""
    now = now or utcnow()
    # Twice the growth window: clusters that just went quiet must lose their boost once.
    ids = repository.refresh_candidates(session, now - RECENCY_WINDOW, now - 2 * GROWTH_WINDOW)
    return update_priorities(session, ids, now)


def priorities_after_clustering(
    session: Session, post_ids: Sequence[int], cluster_ids: Sequence[int], now: datetime
) -> int:
    """Arrival step: new posts and the flagged copies of clusters that just grew."""
    members = repository.flagged_members(session, list(cluster_ids)) if cluster_ids else []
    return update_priorities(session, [*post_ids, *members], now)
