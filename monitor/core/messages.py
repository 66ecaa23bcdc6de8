"""Messages with parameters: times said in words, terms translated, the caller's language."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

from monitor.core.i18n import LANGS, translate


class Term(str):
    """A message parameter that is itself a key (a status, a label): translated when shown."""


_MONTHS = (
    ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
     "Oktober", "November", "Desember"),
    ("January", "February", "March", "April", "May", "June", "July", "August", "September",
     "October", "November", "December"),
)  # fmt: skip


def format_when(lang: str, when: datetime) -> str:
    """Say a moment in words to the minute: '14 Mei 2024 pukul 10.31 UTC' / '14 May 2024 ...'."""
    utc = when.astimezone(UTC)
    month = _MONTHS[1 if lang == "en" else 0][utc.month - 1]
    if lang == "en":
        return f"{utc.day} {month} {utc.year} at {utc:%H:%M} UTC"
    return f"{utc.day} {month} {utc.year} pukul {utc:%H.%M} UTC"


def format_message(lang: str, key: str, params: Mapping[str, object]) -> str:
    """Return the string for key in lang with params filled (times in words, terms translated)."""
    template = translate(lang, key)
    if not params:
        return template
    shown: dict[str, object] = {}
    for name, value in params.items():
        if isinstance(value, datetime):
            shown[name] = format_when(lang, value)
        elif isinstance(value, Term):
            shown[name] = translate(lang, value)
        else:
            shown[name] = value
    try:
        return template.format_map(shown)
    except (KeyError, IndexError, ValueError):
        return template  # a missing param shows the template, never a crash


_ACCEPT = re.compile(
    r"\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]{1,5}))?\s*"
)


def from_accept_language(header: str | None) -> str | None:
    """Return the supported language the Accept-Language header prefers most, or None."""
    best: tuple[float, str] | None = None
    for part in (header or "")[:500].split(","):
        match = _ACCEPT.fullmatch(part)
        if match is None or match.group(1).lower() not in LANGS:
            continue
        try:
            q = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        if q > 0 and (best is None or q > best[0]):
            best = (q, match.group(1).lower())
    return best[1] if best else None
