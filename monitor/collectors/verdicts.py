"""Fact-checker items to fact-check records: ClaimReview first, else the title's convention."""

from __future__ import annotations

import re
from typing import Any

from classifiers.factcheck.verdicts import normalise_verdict, parse_title
from monitor.factchecks.schemas import FactCheckIn
from monitor.posts.schemas import PostIn

_NARRATIVE = re.compile(
    r"(?:^|\n)\s*(?:NARASI|Narasi|KLAIM|Klaim)\s*:?\s*\n?(.{10,1500}?)(?:\n\s*\n|PENJELASAN|Penjelasan|$)",
    re.DOTALL,
)
# Key under which the RSS fetcher keeps the ClaimReview it found on a fetched article page.
CLAIM_REVIEW = "claim_review"


def _text(value: Any, limit: int) -> str | None:
    return str(value).strip()[:limit] or None if isinstance(value, str) else None


def to_record(item: PostIn, publisher: str) -> FactCheckIn:
    """Turn a fetched fact-checker item into a fact-check record (verdict, claim, links)."""
    title = item.title or item.text.split("\n", 1)[0]
    verdict, claim_title = parse_title(title)
    narrative = _NARRATIVE.search(item.text)
    claim = narrative.group(1).strip() if narrative else claim_title
    raw = item.raw or {}
    found = raw.get(CLAIM_REVIEW)
    review: dict[str, Any] = found if isinstance(found, dict) else {}
    rating = _text(review.get("rating"), 100)
    appearances = review.get("appearances")
    return FactCheckIn(
        # The publisher already scopes the record: keep the feed's own id (RSS guid).
        external_id=str(raw.get("guid") or item.external_id)[:500],
        title=(item.title or claim_title)[:1000],
        publisher=publisher[:200],
        # The fact-checker's own claimReviewed beats anything read off the title.
        claim=_text(review.get("claim"), 5000) or claim or None,
        url=item.url,
        verdict=_text(review.get("verdict"), 60) or normalise_verdict(rating) or verdict,
        published_at=item.published_at,
        rating=rating,
        appearances=tuple(str(u)[:2000] for u in appearances[:20] if isinstance(u, str))
        if isinstance(appearances, list)
        else (),
    )
