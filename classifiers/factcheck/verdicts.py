"""Verdicts from Indonesian fact-checkers' title conventions and ClaimReview rating names.

Used where a page has no ClaimReview markup, and to strip the tag before matching (posts
never carry it, so a tag left in would make every debunk share words no claim has).

| fact-checker | title convention |
|---|---|
| TurnBackHoax / Mafindo | `[SALAH]`, `[HOAKS]`, `[KLARIFIKASI]`, `[DISINFORMASI]`, `[PENIPUAN]` |
| Tempo Cek Fakta | `Keliru:`, `Menyesatkan:`, `Benar:`, `Sebagian Benar:` (older `Keliru, ...`) |
| Kompas Cek Fakta | `[KLARIFIKASI] ...`, `[HOAKS] ...`, `[KLAIM] ...` |
| Liputan6 Cek Fakta | `Cek Fakta: Tidak Benar ...`, `Cek Fakta: Hoaks ...` (verdict in the words) |
| AFP Cek Fakta | `Hoaks: ...`, `Menyesatkan: ...`; ClaimReview `Salah`, `Menyesatkan` |
| cekfakta.com | `[SALAH] ...`, `[HOAKS] ...`, `[MENYESATKAN] ...` |
| Kominfo hoax reports | `[HOAKS] ...`, `[DISINFORMASI] ...` |
"""

from __future__ import annotations

import re

# Normalised verdicts: one lower-case word per meaning.
VERDICTS: dict[str, str] = {
    "salah": "salah",
    "keliru": "keliru",
    "tidak benar": "salah",
    "false": "salah",
    "hoaks": "hoaks",
    "hoax": "hoaks",
    "disinformasi": "disinformasi",
    "misinformasi": "misinformasi",
    "fitnah": "fitnah",
    "penipuan": "penipuan",
    "hasut": "hasut",
    "menyesatkan": "menyesatkan",
    "misleading": "menyesatkan",
    "konten yang menyesatkan": "menyesatkan",
    "konten yang dimanipulasi": "dimanipulasi",
    "konten palsu": "palsu",
    "palsu": "palsu",
    "konteks yang salah": "konteks_salah",
    "satire": "satire",
    "satire/parodi": "satire",
    "sebagian benar": "sebagian_benar",
    "partly false": "sebagian_benar",
    "half true": "sebagian_benar",
    "klarifikasi": "klarifikasi",
    "benar": "benar",
    "fakta": "benar",
    "true": "benar",
}
_WORDS = "|".join(sorted((re.escape(k) for k in VERDICTS), key=len, reverse=True))
# `[SALAH]`, `(HOAKS)`, `【KLARIFIKASI】`, then an optional separator.
_BRACKET = re.compile(r"^\s*[\[\(【]\s*([^\]\)】]{2,40}?)\s*[\]\)】]\s*[:\-–|]?\s*")
# `Keliru: ...`, `Sebagian Benar: ...`, `HOAKS - ...`, Tempo's older `Keliru, ...`.
_PREFIX = re.compile(rf"^\s*({_WORDS})\s*[:|,\-–]\s*", re.IGNORECASE)
# Liputan6 and others: `Cek Fakta: ...` names no verdict by itself; the next words may.
_CEK_FAKTA = re.compile(r"^\s*(?:\[\s*)?cek\s*fakta\s*(?:\])?\s*[:|,\-–]?\s*", re.IGNORECASE)
_LEADING_VERDICT = re.compile(rf"^({_WORDS})\b", re.IGNORECASE)
MAX_TAGS = 4  # `[HOAKS] [SALAH] Cek Fakta: ...`: a few stacked tags, never a loop


def normalise_verdict(name: str | None) -> str | None:
    """Map a tag or a ClaimReview rating name (`Keliru`, `False`) to a normalised verdict."""
    if not name:
        return None
    return VERDICTS.get(re.sub(r"\s+", " ", name.strip().lower())[:60])


def parse_title(title: str) -> tuple[str | None, str]:
    """Return (normalised verdict or None, title without its verdict tags and prefixes)."""
    verdict: str | None = None
    rest = title
    for _ in range(MAX_TAGS):
        bracket = _BRACKET.match(rest)
        if bracket and (found := normalise_verdict(bracket.group(1))) is not None:
            verdict, rest = verdict or found, rest[bracket.end() :]
            continue
        if bracket and bracket.group(1).strip().lower() in {"cek fakta", "klaim", "berita"}:
            rest = rest[bracket.end() :]
            continue
        cek = _CEK_FAKTA.match(rest)
        if cek:
            rest = rest[cek.end() :]
            lead = _LEADING_VERDICT.match(rest)
            if lead:  # `Cek Fakta: Tidak Benar Video ...`: the verdict words are not the claim
                verdict = verdict or normalise_verdict(lead.group(1))
                rest = rest[lead.end() :].lstrip(" :,-–")
            continue
        prefix = _PREFIX.match(rest)
        if prefix:
            verdict, rest = verdict or normalise_verdict(prefix.group(1)), rest[prefix.end() :]
            continue
        break
    return verdict, rest.strip()
