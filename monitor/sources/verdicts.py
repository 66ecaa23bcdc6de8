"""Fact-checker items to fact-check records: verdict tags such as [SALAH] or [HOAKS]."""

from __future__ import annotations

import re
from typing import Any

from monitor.posts.schemas import PostIn

# Tags Indonesian fact-checkers (TurnBackHoax/Mafindo, Cek Fakta, Kominfo) put in titles.
VERDICTS: dict[str, str] = {
    "SALAH": "salah",
    "HOAKS": "hoaks",
    "HOAX": "hoaks",
    "DISINFORMASI": "disinformasi",
    "MISINFORMASI": "misinformasi",
    "FITNAH": "fitnah",
    "PENIPUAN": "penipuan",
    "HASUT": "hasut",
    "MENYESATKAN": "menyesatkan",
    "KONTEN YANG MENYESATKAN": "menyesatkan",
    "KONTEN YANG DIMANIPULASI": "dimanipulasi",
    "KONTEN PALSU": "palsu",
    "KONTEKS YANG SALAH": "konteks_salah",
    "SATIRE": "satire",
    "SATIRE/PARODI": "satire",
    "KLARIFIKASI": "klarifikasi",
    "BENAR": "benar",
    "FAKTA": "benar",
}
_TAG = re.compile(r"^\s*[\[\(【]\s*([^\]\)】]{2,40}?)\s*[\]\)】]\s*[:\-–]?\s*")
_NARRATIVE = re.compile(
    r"(?:^|\n)\s*(?:NARASI|Narasi|KLAIM|Klaim)\s*:?\s*\n?(.{10,1500}?)(?:\n\s*\n|PENJELASAN|Penjelasan|$)",
    re.DOTALL,
)


def parse_verdict(title: str) -> tuple[str | None, str]:
    """Return (normalised verdict or None, title without the tag)."""
    match = _TAG.match(title)
    if not match:
        return None, title.strip()
    tag = re.sub(r"\s+", " ", match.group(1)).upper()
    verdict = VERDICTS.get(tag)
    if verdict is None:
        return None, title.strip()
    return verdict, title[match.end() :].strip()


def to_factcheck(item: PostIn, publisher: str, source_id: int | None) -> dict[str, Any]:
    """Turn a fetched fact-checker item into a `factchecks` row."""
    verdict, claim_title = parse_verdict(item.title or item.text.split("\n", 1)[0])
    narrative = _NARRATIVE.search(item.text)
    claim = narrative.group(1).strip() if narrative else claim_title
    return {
        "publisher": publisher[:200],
        # The publisher already scopes the record: keep the feed's own id (RSS guid).
        "external_id": str((item.raw or {}).get("guid") or item.external_id)[:500],
        "title": item.title or claim_title,
        "claim": claim or None,
        "verdict": verdict,
        "url": item.url,
        "published_at": item.published_at,
        "source_id": source_id,
    }
