"""schema.org ClaimReview: read it from fact-checkers' pages (JSON-LD) and from partners' JSON.

Most fact-checkers (IFCN signatories, the Indonesian ones included) embed ClaimReview in
their article pages: `claimReviewed` (the claim text, far better for matching than a
headline), `reviewRating.alternateName` (the verdict), `itemReviewed.appearance` (where the
claim circulated), `datePublished` and `url`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from classifiers.factcheck.verdicts import normalise_verdict, parse_title
from monitor.factchecks.schemas import (
    MAX_ID,
    MAX_PUBLISHER,
    MAX_TEXT,
    MAX_VERDICT,
    FactCheckIn,
    parse_record,
)

MAX_DEPTH = 12  # JSON-LD graphs are shallow; deeper nesting is hostile or broken
MAX_SCRIPT = 2_000_000  # characters of one JSON-LD block
MAX_APPEARANCES = 20
MAX_RATING = 100


@dataclass
class ClaimReviews:
    """Records read from a page or file, and why the others were refused."""

    records: list[FactCheckIn] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class _JsonLdScripts(HTMLParser):
    """Collect the text of every `<script type="application/ld+json">` block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._inside = False
        self._parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = (dict(attrs).get("type") or "").split(";")[0].strip().lower()
        if tag == "script" and kind == "application/ld+json":
            self._inside, self._parts = True, []

    def handle_data(self, data: str) -> None:
        if self._inside:
            self._parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._inside:
            self._inside = False
            self.blocks.append("".join(self._parts))


def _types(obj: dict[str, Any]) -> set[str]:
    value = obj.get("@type")
    values = value if isinstance(value, list) else [value]
    return {v.rsplit("/", 1)[-1] for v in values if isinstance(v, str)}


def find_claim_reviews(value: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Yield every ClaimReview object in a JSON-LD value (lists, `@graph`, nested pages)."""
    if depth > MAX_DEPTH:
        raise ValueError(f"JSON-LD nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, list):
        for item in value:
            yield from find_claim_reviews(item, depth + 1)
    elif isinstance(value, dict):
        if "ClaimReview" in _types(value):
            yield value
            return
        for name in ("@graph", "mainEntity", "hasPart", "review"):
            if name in value:
                yield from find_claim_reviews(value[name], depth + 1)


def _text(value: Any, limit: int) -> str | None:
    if isinstance(value, dict):  # {"@value": ...} or a named thing
        value = value.get("@value", value.get("name"))
    if isinstance(value, list) and value:
        value = value[0]
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    text = " ".join(str(value).replace("\x00", " ").split())
    return text[:limit] or None


def _urls(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items[: MAX_APPEARANCES * 2]:
        url = item if isinstance(item, str) else item.get("url") if isinstance(item, dict) else None
        if isinstance(url, str) and url.startswith(("http://", "https://")) and len(url) < 2000:
            out.append(url)
    return list(dict.fromkeys(out))[:MAX_APPEARANCES]


def _rating(review: dict[str, Any]) -> tuple[str | None, str | None]:
    rating = review.get("reviewRating")
    if isinstance(rating, list) and rating:
        rating = rating[0]
    if not isinstance(rating, dict):
        return None, None
    name = _text(rating.get("alternateName") or rating.get("name"), MAX_RATING)
    value = _text(rating.get("ratingValue"), 20)
    best, worst = _text(rating.get("bestRating"), 20), _text(rating.get("worstRating"), 20)
    figures = f"{value} (worst {worst}, best {best})" if value and (best or worst) else value
    label = f"{name}: {figures}" if name and figures else name or figures
    return name, label[:MAX_RATING] if label else None


def to_record(
    review: dict[str, Any], page_url: str | None = None, publisher: str = ""
) -> FactCheckIn:
    """Turn one ClaimReview object into a fact-check record, or raise ValueError saying why."""
    claim = _text(review.get("claimReviewed"), MAX_TEXT)
    headline = _text(review.get("headline") or review.get("name"), MAX_TEXT)
    if not claim and not headline:
        raise ValueError("ClaimReview has neither claimReviewed nor a headline")
    url = _text(review.get("url"), MAX_TEXT) or page_url
    name, rating = _rating(review)
    title_verdict, _ = parse_title(headline or "")
    verdict = (
        normalise_verdict(name) or title_verdict or (name.lower()[:MAX_VERDICT] if name else None)
    )
    author = review.get("author") or review.get("publisher")
    if isinstance(author, list) and author:
        author = author[0]
    by = _text(author.get("name") if isinstance(author, dict) else author, MAX_PUBLISHER)
    item = review.get("itemReviewed")
    appearances = (
        _urls(item.get("appearance") or item.get("firstAppearance"))
        if isinstance(item, dict)
        else []
    )
    base = url or claim or headline or ""
    ident = url if url and len(url) <= MAX_ID else hashlib.sha256(base.encode()).hexdigest()[:32]
    record = parse_record(
        {
            "id": ident,
            "title": headline or claim,
            "claim": claim,
            "url": url,
            "verdict": verdict,
            "published_at": _text(review.get("datePublished"), 40),
            "publisher": by or publisher or None,
            "rating": rating,
            "appearances": appearances,
        },
        publisher,
    )
    return record


def from_json(value: Any, publisher: str = "", page_url: str | None = None) -> ClaimReviews:
    """Read ClaimReview records from decoded JSON (one object, a list, or a JSON-LD graph)."""
    out = ClaimReviews()
    items = value if isinstance(value, list) else [value]
    for position, item in enumerate(items, start=1):
        try:
            reviews = list(find_claim_reviews(item))
            if not reviews:
                raise ValueError('no ClaimReview object (missing "@type": "ClaimReview")')
            for review in reviews:
                out.records.append(to_record(review, page_url, publisher))
        except (ValueError, RecursionError) as exc:  # one bad item never blocks the others
            out.errors.append(f"item {position}: {exc}")
    return out


def from_html(html: str, page_url: str | None = None, publisher: str = "") -> ClaimReviews:
    """Read every ClaimReview embedded in a page's JSON-LD blocks; bad blocks are named."""
    parser = _JsonLdScripts()
    parser.feed(html)
    parser.close()
    out = ClaimReviews()
    for number, block in enumerate(parser.blocks, start=1):
        if len(block) > MAX_SCRIPT:
            out.errors.append(f"JSON-LD block {number}: {len(block)} characters, over the limit")
            continue
        try:
            value = json.loads(block)
        except json.JSONDecodeError as exc:
            out.errors.append(f"JSON-LD block {number}: invalid JSON: {exc.msg}")
            continue
        except RecursionError:
            out.errors.append(f"JSON-LD block {number}: nested too deeply")
            continue
        found = from_json(value, publisher, page_url)
        out.records.extend(found.records)
        # A block without ClaimReview (Organization, BreadcrumbList) is normal, not an error.
        out.errors.extend(
            f"JSON-LD block {number}: {e}" for e in found.errors if "no ClaimReview" not in e
        )
    return out


def from_title(title: str, url: str | None, external_id: str, publisher: str = "") -> FactCheckIn:
    """The fallback for pages without ClaimReview: the verdict from the title's convention."""
    verdict, _ = parse_title(title)
    return parse_record(
        {"id": external_id, "title": title, "url": url, "verdict": verdict}, publisher
    )
