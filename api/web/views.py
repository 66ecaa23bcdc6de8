"""Turn service results into the plain values the templates show (no queries here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from api.web.highlight import Segment, driving_segments, rules_from_explanations, safe_url
from api.web.highlight import terms_from_explanations as terms_of
from monitor.core.i18n import translate
from monitor.core.localtime import local_text, pick_zone
from monitor.desk.reasons import LabelReason, label_reasons, rule_text
from monitor.desk.schemas import PriorityParts, QueueRow
from monitor.desk.views import ItemDetail
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
    zone: str = "WIB"
    cluster_id: int | None = None
    copies: list[dict[str, Any]] = field(default_factory=list)
    count: int = 1
    sources: int = 0
    platforms: list[str] = field(default_factory=list)
    growth: float = 0.0
    first_seen: str = ""
    last_seen: str = ""
    priority: list[str] = field(default_factory=list)  # the parts, one line each


@dataclass(frozen=True)
class Debunk:
    """A matched fact-check, with a link only when it is a plain http(s) URL."""

    title: str
    url: str | None
    score: float | None
    publisher: str | None = None
    verdict: str | None = None


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
    reasons: list[LabelReason] = field(default_factory=list)
    zone: str = "WIB"


def when(value: datetime | None, zone: str = "WIB") -> str:
    """Format a time in Indonesian local time (WIB, WITA or WIT) for the page."""
    return local_text(value, zone)


def priority_lines(lang: str, parts: PriorityParts | None) -> list[str]:
    """Return the priority's parts as lines for the row's tooltip and screen readers."""
    if parts is None:
        return []
    t = lambda key, v: translate(lang, key).format(v=f"{v:.2f}")  # noqa: E731
    lines = [
        translate(lang, "prio.title").format(total=f"{parts.total:.2f}"),
        t("prio.score", parts.score),
        t("prio.growth", parts.growth),
        t("prio.size", parts.size),
        t("prio.reach", parts.reach),
        t("prio.region", parts.region_risk),
        t("prio.recency", parts.recency),
        translate(lang, "prio.recent" if parts.recent else "prio.stale"),
    ]
    if parts.total > parts.score:
        lines.append(translate(lang, "prio.why"))
    return lines


def snippet(text: str | None, limit: int = SNIPPET_CHARS) -> str:
    """Return the first characters of a text on one line."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def row(
    item: QueueRow, filters: Filters, why: str = "order", lang: str = "id", zone: str | None = None
) -> Row:
    """Build a queue row (a narrative when the service grouped copies) for the page."""
    chosen = pick_zone(zone, item.regions)
    narrative = item.narrative
    copies: list[dict[str, Any]] = []
    if narrative is not None:
        copies = [{"id": cid, "href": filters.href(item=str(cid))} for cid in narrative.copy_ids]
    return Row(
        id=item.id,
        snippet=snippet(item.title or item.text),
        labels=list(item.labels),
        status=item.review_status,
        platform=item.platform,
        regions=list(narrative.regions if narrative else item.regions),
        score=item.max_score,
        when=when(item.published_at or item.fetched_at, chosen),
        href=filters.href(item=str(item.id)),
        claimed_by=item.claim.claimed_by if item.claim else None,
        why=why,
        zone=chosen,
        cluster_id=narrative.cluster_id if narrative else None,
        copies=copies,
        count=narrative.copies if narrative else 1,
        sources=narrative.sources if narrative else 0,
        platforms=list(narrative.platforms) if narrative else [item.platform],
        growth=narrative.growth_rate if narrative else 0.0,
        first_seen=when(narrative.first_seen, chosen) if narrative else "",
        last_seen=when(narrative.last_seen, chosen) if narrative else "",
        priority=priority_lines(lang, item.priority_parts),
    )


def item_view(
    detail: ItemDetail, filters: Filters, lang: str = "id", zone: str | None = None
) -> ItemView:
    """Build the item panel from the item service's detail."""
    current = [p for p in detail.predictions if p.model_version == detail.model_version]
    shown = current or detail.predictions
    # Only the shown model version's reasons: an older version's n-grams drove nothing now.
    explanations = [p.explanation for p in shown]
    item = detail.item
    chosen = pick_zone(zone, item.regions)
    cluster = None
    if detail.cluster is not None:
        cluster = {
            "id": detail.cluster.id,
            "size": detail.cluster.size,
            "growth": detail.cluster.growth_rate,
            "first_seen": when(detail.cluster.first_seen, chosen),
            "last_seen": when(detail.cluster.last_seen, chosen),
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
        segments=driving_segments(detail.full_text, explanations),
        url=safe_url(item.url),
        platform=item.platform,
        author=item.author,
        published=when(item.published_at or item.fetched_at, chosen),
        status=item.review_status,
        labels=list(item.labels),
        model_version=detail.model_version,
        predictions=[{"label": p.label, "score": p.score, "flagged": p.flagged} for p in shown],
        terms=terms_of(explanations),
        rules=[rule_text(lang, r) for r in rules_from_explanations(explanations)],
        reasons=label_reasons(lang, [p.model_dump() for p in shown]),
        zone=chosen,
        debunk=debunk_of(detail.debunk),
        regions=[
            {"code": r.code, "name": r.name or r.code, "evidence": r.evidence}
            for r in detail.region_details
        ],
        cluster=cluster,
        history=[
            {
                "when": when(r.created_at, chosen),
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
    publisher, verdict = raw.get("publisher"), raw.get("verdict")
    return Debunk(
        title=raw["title"],
        url=safe_url(raw.get("url")),
        score=float(score) if isinstance(score, int | float) else None,
        publisher=publisher[:80] if isinstance(publisher, str) else None,
        verdict=verdict[:80] if isinstance(verdict, str) else None,
    )


def highlight(text: str, explanations: Sequence[Mapping[str, Any] | None]) -> list[Segment]:
    """Split a post text into segments with the phrases that drove the score marked."""
    return driving_segments(text, explanations)
