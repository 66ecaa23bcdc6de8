"""Turn service results into the plain values the templates show (no queries here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from api.web.highlight import Segment, rules_from_explanations, safe_url, segments
from api.web.highlight import terms_from_explanations as terms_of
from monitor.desk.views import ItemDetail, ItemSummary
from monitor.reviews.schemas import STATUS_OF

SNIPPET_CHARS = 160
FILTER_KEYS = ("label", "status", "region", "q", "mix")


@dataclass(frozen=True)
class Filters:
    """The queue filters as typed on the page."""

    label: str = ""
    status: str = ""
    region: str = ""
    q: str = ""
    mix: str = ""  # "uncertain" interleaves borderline items (active learning)

    def query(self, **extra: str) -> str:
        """Return the filters (plus extras) as a query string, empty values dropped."""
        pairs = {k: getattr(self, k) for k in FILTER_KEYS}
        pairs.update(extra)
        return urlencode({k: v for k, v in pairs.items() if v})

    def href(self, **extra: str) -> str:
        """Return the queue URL for these filters."""
        q = self.query(**extra)
        return "/ui/" + (f"?{q}" if q else "")


@dataclass(frozen=True)
class Row:
    """One line of the queue list."""

    id: int
    snippet: str
    labels: list[str]
    status: str
    platform: str
    regions: list[str]
    score: float | None
    when: str
    href: str
    claimed_by: str | None = None
    why: str = "order"  # order, uncertain or disagree (the mix's marking)


@dataclass(frozen=True)
class Debunk:
    """A matched fact-check, with a link only when it is a plain http(s) URL."""

    title: str
    url: str | None
    score: float | None


@dataclass
class ItemView:
    """Everything the item panel shows."""

    id: int
    title: str | None
    segments: list[Segment]
    url: str | None
    platform: str
    author: str | None
    published: str
    status: str
    labels: list[str]
    model_version: str | None
    predictions: list[dict[str, Any]] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    debunk: Debunk | None = None
    regions: list[dict[str, str]] = field(default_factory=list)
    cluster: dict[str, Any] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    claimed_by: str | None = None


def when(value: datetime | None) -> str:
    """Format a UTC time compactly for the page."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def snippet(text: str | None, limit: int = SNIPPET_CHARS) -> str:
    """Return the first characters of a text on one line."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def row(item: ItemSummary, filters: Filters, why: str = "order") -> Row:
    """Build a queue row from the queue service's summary of a post."""
    return Row(
        id=item.id,
        snippet=snippet(item.title or item.text),
        labels=list(item.labels),
        status=item.review_status,
        platform=item.platform,
        regions=list(item.regions),
        score=item.max_score,
        when=when(item.published_at or item.fetched_at),
        href=filters.href(item=str(item.id)),
        claimed_by=item.claim.claimed_by if item.claim else None,
        why=why,
    )


def item_view(detail: ItemDetail, filters: Filters) -> ItemView:
    """Build the item panel from the item service's detail."""
    explanations = [p.explanation for p in detail.predictions]
    current = [p for p in detail.predictions if p.model_version == detail.model_version]
    item = detail.item
    cluster = None
    if detail.cluster is not None:
        cluster = {
            "id": detail.cluster.id,
            "size": detail.cluster.size,
            "growth": detail.cluster.growth_rate,
            "siblings": [
                {
                    "id": s.id,
                    "platform": s.platform,
                    "status": s.review_status,
                    "snippet": s.author or "",
                    "href": filters.href(item=str(s.id)),
                }
                for s in detail.cluster.siblings
            ],
        }
    return ItemView(
        id=item.id,
        title=item.title,
        segments=highlight(detail.full_text, explanations),
        url=safe_url(item.url),
        platform=item.platform,
        author=item.author,
        published=when(item.published_at or item.fetched_at),
        status=item.review_status,
        labels=list(item.labels),
        model_version=detail.model_version,
        predictions=[
            {"label": p.label, "score": p.score, "flagged": p.flagged}
            for p in (current or detail.predictions)
        ],
        terms=terms_of(explanations),
        rules=rules_from_explanations(explanations),
        debunk=debunk_of(detail.debunk),
        regions=[
            {"code": r.code, "name": r.name or r.code, "evidence": r.evidence}
            for r in detail.region_details
        ],
        cluster=cluster,
        history=[
            {
                "when": when(r.created_at),
                "who": r.reviewer,
                "decision": r.decision,
                "status": STATUS_OF.get(r.decision),
                "labels": r.labels,
                "reason": r.reason,
                "note": r.note,
                "inherited": r.inherited_from_review_id is not None,
            }
            for r in detail.reviews
        ],
        claimed_by=item.claim.claimed_by if item.claim else None,
    )


def debunk_of(raw: Any) -> Debunk | None:
    """Build the matched-debunk view from a FactCheckMatch-like mapping."""
    if not isinstance(raw, dict) or not isinstance(raw.get("title"), str):
        return None
    score = raw.get("score")
    return Debunk(
        title=raw["title"],
        url=safe_url(raw.get("url")),
        score=float(score) if isinstance(score, int | float) else None,
    )


def highlight(text: str, explanations: Sequence[Mapping[str, Any] | None]) -> list[Segment]:
    """Split a post text into segments with the explanation's terms marked."""
    return segments(text, terms_of(explanations))
