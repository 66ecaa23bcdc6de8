"""Recognise an import file's format: JSONL records, ClaimReview JSON, or an HTML page."""

from __future__ import annotations

import json
from typing import Any

from monitor.factchecks import claimreview
from monitor.factchecks.schemas import FactCheckIn, LineError, ParsedFile, parse_jsonl


def _is_claim_review_json(value: Any) -> bool:
    # A one-line JSONL file is valid JSON too: only ClaimReview markup or a list goes this way.
    if isinstance(value, list):
        return True
    return isinstance(value, dict) and any(k in value for k in ("@type", "@graph", "@context"))


def _from_reviews(found: claimreview.ClaimReviews) -> ParsedFile:
    out = ParsedFile()
    seen: dict[tuple[str, str], int] = {}
    for position, record in enumerate(found.records, start=1):
        if record.key in seen:
            out.duplicates += 1
            out.errors.append(LineError(position, f"duplicate of review {seen[record.key]}"))
            continue
        seen[record.key] = position
        out.records.append((position, record))
    out.errors.extend(LineError(0, message) for message in found.errors)
    return out


def parse_any(data: bytes, default_publisher: str = "") -> ParsedFile:
    """Parse JSONL, ClaimReview JSON (object or list) or HTML with ClaimReview JSON-LD."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    head = data.lstrip()[:1]
    if head == b"<":
        html = data.decode("utf-8", errors="replace")
        return _from_reviews(claimreview.from_html(html, None, default_publisher))
    if head in (b"[", b"{"):
        try:
            value = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            value = None  # JSONL with several lines, or broken: the line parser names the lines
        if value is not None and _is_claim_review_json(value):
            return _from_reviews(claimreview.from_json(value, default_publisher))
    return parse_jsonl(data, default_publisher)


__all__ = ["FactCheckIn", "parse_any"]
