"""Cluster figures as a region-limited reader may see them: computed over in-scope copies only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from monitor.clusters import repository
from monitor.clusters.service import growth_rate


@dataclass(frozen=True)
class ScopedFigures:
    """Size, growth (copies/hour) and region count of a cluster within some regions."""

    size: int
    growth_rate: float
    n_regions: int


def figures(
    session: Session, cluster_ids: Sequence[int], codes: tuple[str, ...]
) -> dict[int, ScopedFigures]:
    """Return each cluster's figures over its copies about `codes` (and their sub-regions).

    Why: whole-cluster totals would tell a liaison how much of a hoax exists outside the
    regions their key covers (issue 13).
    """
    out: dict[int, ScopedFigures] = {}
    members = repository.scoped_members(session, cluster_ids, codes)
    for cid in cluster_ids:
        times, regions = members.get(cid, ([], set()))
        rate = round(growth_rate(times, max(times)), 4) if times else 0.0
        out[cid] = ScopedFigures(size=len(times), growth_rate=rate, n_regions=len(regions))
    return out
