"""Read-side shapes of the narrative-first queue: a queue row plus its cluster's spread."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from monitor.desk.views import ItemSummary


class PriorityParts(BaseModel):
    """What the stored queue priority is made of, so a 0.90 above a 0.99 can be explained."""

    total: float = Field(description="The stored priority the queue sorts by")
    score: float = Field(description="The best flagged score (or debunk match) of the copy")
    growth: float = Field(
        description="Spread: copies per hour (counts while the cluster is active)"
    )
    size: float = Field(description="Spread: number of copies")
    reach: float = Field(description="Spread: distinct sources and regions")
    region_risk: float = Field(default=0.0, description="The regions' election risk (IKP)")
    recency: float = Field(default=0.0, description="Newer posts first among equals")
    recent: bool = Field(description="A copy arrived within the growth window (6 hours)")


class Narrative(BaseModel):
    """A cluster's matching copies in the caller's scope (absent for a single post)."""

    cluster_id: int
    copies: int = Field(description="Matching copies in your scope (the row shows the best)")
    copy_ids: list[int] = Field(description="Up to 20 copy ids, best first")
    sources: int = Field(description="Distinct sources among the matching copies")
    platforms: list[str]
    regions: list[str] = Field(description="Region codes of the listed copies")
    growth_rate: float = Field(description="Copies per hour (within your regions if limited)")
    first_seen: datetime
    last_seen: datetime
    decision: str | None = Field(description="A standing cluster-wide decision, if any")


class QueueRow(ItemSummary):
    """A queue row: the post (the best copy for a cluster) and, grouped, its narrative."""

    narrative: Narrative | None = None
    priority_parts: PriorityParts | None = None
    timezone: str = Field(
        default="WIB", description="WIB, WITA or WIT by the item's first region (for display)"
    )
    published_local: str | None = Field(
        default=None, description="Publication (or fetch) time, ISO 8601 with the local offset"
    )


class QueuePage(BaseModel):
    """One page of the queue; pass `next_cursor` as `cursor` (with the same sort and group)."""

    items: list[QueueRow]
    next_cursor: str | None
