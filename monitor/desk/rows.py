"""Queue rows for the API and the page: the post, its narrative, priority parts, local time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from monitor.clusters.models import Cluster
from monitor.clusters.service import spread_parts
from monitor.core.base import utcnow
from monitor.desk import narratives, pagerows, queue
from monitor.desk.schemas import PriorityParts, QueueRow
from monitor.flows import priority as flow_priority
from monitor.keys.principal import Principal


def priority_parts(
    post: Any, cluster: Cluster | None, parts: flow_priority.PriorityParts | None, now: datetime
) -> PriorityParts:
    """Split a post's stored priority into the weighted parts `flows.priority` blends."""
    return PriorityParts(**parts_dict(post, cluster, parts, now))


def parts_dict(
    post: Any, cluster: Cluster | None, parts: flow_priority.PriorityParts | None, now: datetime
) -> dict[str, Any]:
    """Return `priority_parts(...)` as the plain dict its model serialises to."""
    spread = spread_parts(cluster, now)
    scale = flow_priority.CLUSTER_WEIGHT  # the spread adds at most half a point
    score = parts.score if parts is not None else min(post.max_score or 0.0, post.priority)
    return {
        "total": round(post.priority, 4),
        "score": round(score, 4),
        "growth": round(scale * spread.growth, 4),
        "size": round(scale * spread.size, 4),
        "reach": round(scale * spread.reach, 4),
        "region_risk": (
            round(flow_priority.REGION_WEIGHT * parts.region_risk, 4) if parts else 0.0
        ),
        "recency": round(flow_priority.RECENCY_WEIGHT * parts.recency, 4) if parts else 0.0,
        "recent": spread.active,
    }


def grouped_rows(
    session: Session, groups: Sequence[narratives.Narrative], zone: str | None = None
) -> list[QueueRow]:
    """Return one row per narrative: the best copy's row plus the group's figures."""
    return [QueueRow.model_validate(d) for d in grouped_dicts(groups, zone)]


def grouped_dicts(
    groups: Sequence[narratives.Narrative], zone: str | None = None
) -> list[dict[str, Any]]:
    """Return the narrative rows as the plain dicts `QueueRow` serialises to (the API writes
    them with orjson; the web page validates them into models)."""
    now = utcnow()
    rows: list[dict[str, Any]] = []
    # One `page_dicts` call for the page: per row, its zone check and set-up cost more.
    bases = pagerows.page_dicts([group.top for group in groups], zone)
    for group, row in zip(groups, bases, strict=True):
        top = group.top
        # The inputs came with the row (narratives._attach_heads): no query here.
        parts = flow_priority.parts_of(
            top.flagged,
            top.best_score,
            top.seen,
            group.cluster,
            top.risk if top.flagged else None,
            now,
        )
        row["priority_parts"] = parts_dict(top, group.cluster, parts, now)
        if group.cluster_id is not None:
            regions = sorted({code for c in group.copies for code in pagerows.regions_of(c)})
            row["narrative"] = {
                "cluster_id": group.cluster_id,
                "copies": group.count,
                "copy_ids": [c.id for c in group.copies],
                "sources": group.n_sources,
                "platforms": sorted({c.platform for c in group.copies}),
                "regions": regions,
                "growth_rate": group.growth_rate,
                "first_seen": group.first_seen,
                "last_seen": group.last_seen,
                "decision": group.cluster.decision if group.cluster is not None else None,
            }
        rows.append(row)
    return rows


def page(
    session: Session,
    principal: Principal,
    filters: queue.ItemFilters,
    sort: str = "priority",
    cursor: str | None = None,
    limit: int = 50,
    zone: str | None = None,
) -> tuple[list[QueueRow], str | None]:
    """Return one page of narrative rows and the next cursor (QueryError on bad input)."""
    groups, next_cursor = narratives.page(session, principal, filters, sort, cursor, limit)
    return grouped_rows(session, groups, zone), next_cursor


def page_dicts(
    session: Session,
    principal: Principal,
    filters: queue.ItemFilters,
    sort: str = "priority",
    cursor: str | None = None,
    limit: int = 50,
    zone: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Return `page(...)` as plain dicts for the API (QueryError on bad input)."""
    groups, next_cursor = narratives.page(session, principal, filters, sort, cursor, limit)
    return grouped_dicts(groups, zone), next_cursor
