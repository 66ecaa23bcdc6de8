"""Read-side shapes of posts in the review API: queue rows, item detail, case file."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from monitor.reviews.schemas import ReviewOut

SNIPPET_CHARS = 1000


class ClaimInfo(BaseModel):
    """Who is working an item and until when."""

    claimed_by: str
    expires_at: datetime


class ItemSummary(BaseModel):
    """A queue row."""

    id: int
    platform: str
    source_id: int | None
    url: str | None
    author: str | None
    title: str | None
    text: str = Field(description=f"First {SNIPPET_CHARS} characters of the text")
    text_truncated: bool
    published_at: datetime | None
    fetched_at: datetime
    labels: list[str]
    max_score: float | None
    priority: float
    review_status: str
    cluster_id: int | None
    regions: list[str]
    claim: ClaimInfo | None = None
    why_in_queue: Literal["order", "uncertain", "disagree"] = Field(
        default="order",
        description="order: the requested sort; uncertain: a score near a label's threshold; "
        "disagree: two model versions disagree (only with mix=uncertain)",
    )
    uncertainty: float | None = Field(
        default=None, description="Distance of the closest label score to its threshold"
    )


class ItemPage(BaseModel):
    """One page of the queue; pass `next_cursor` as `cursor` for the next."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "items": [
                        {
                            "id": 42,
                            "platform": "rss",
                            "source_id": 3,
                            "url": "https://example.id/berita/1",
                            "author": None,
                            "title": "Bagi-bagi amplop di TPS 5",
                            "text": "Warga menerima amplop berisi uang dari tim sukses...",
                            "text_truncated": False,
                            "published_at": "2026-11-20T08:00:00Z",
                            "fetched_at": "2026-11-20T08:05:00Z",
                            "labels": ["money_politics"],
                            "max_score": 0.91,
                            "priority": 0.87,
                            "review_status": "new",
                            "cluster_id": 7,
                            "regions": ["15.71"],
                            "claim": None,
                        }
                    ],
                    "next_cursor": "eyJzIjogInByaW9yaXR5IiwgImsiOiAwLjg3LCAiaSI6IDQyfQ",
                }
            ]
        }
    }

    items: list[ItemSummary]
    next_cursor: str | None


class PredictionOut(BaseModel):
    """A model's score for one label, with why."""

    label: str
    score: float
    flagged: bool
    model_version: str
    explanation: dict[str, Any]
    created_at: datetime


class RegionOut(BaseModel):
    """A region a post is about."""

    code: str
    name: str | None
    origin: str
    evidence: str


class SiblingOut(BaseModel):
    """Another copy in the same cluster."""

    id: int
    platform: str
    url: str | None
    author: str | None
    fetched_at: datetime
    review_status: str


class ClusterSummary(BaseModel):
    """The item's narrative cluster (counts limited to what the caller may see)."""

    id: int
    size: int
    first_seen: datetime
    last_seen: datetime
    growth_rate: float
    decision: str | None
    siblings: list[SiblingOut]


class ItemDetail(BaseModel):
    """Everything a reviewer needs to decide one item."""

    item: ItemSummary
    full_text: str
    language: str | None
    content_hash: str
    model_version: str | None
    predictions: list[PredictionOut]
    debunk: dict[str, Any] | None = Field(description="Matched fact-check, from the explanation")
    cluster: ClusterSummary | None
    region_details: list[RegionOut]
    reviews: list[ReviewOut]


def summary(post: Any, regions: list[str], claim: ClaimInfo | None = None) -> ItemSummary:
    """Return the queue row of a post."""
    text = post.text or ""
    return ItemSummary(
        id=post.id,
        platform=post.platform,
        source_id=post.source_id,
        url=post.url,
        author=post.author,
        title=post.title,
        text=text[:SNIPPET_CHARS],
        text_truncated=len(text) > SNIPPET_CHARS,
        published_at=post.published_at,
        fetched_at=post.fetched_at,
        labels=list(post.labels or []),
        max_score=post.max_score,
        priority=post.priority,
        review_status=post.review_status,
        cluster_id=post.cluster_id,
        regions=regions,
        claim=claim,
    )
