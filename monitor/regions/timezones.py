"""Local time by province: WIB, WITA or WIT (Indonesia keeps no daylight saving)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

WIB = timezone(timedelta(hours=7), "WIB")
WITA = timezone(timedelta(hours=8), "WITA")
WIT = timezone(timedelta(hours=9), "WIT")

# Province codes (BPS/Kemendagri) outside WIB; every other province is WIB.
_WITA = {"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"}
_WIT = {"81", "82", "91", "92", "93", "94", "95", "96"}


def zone_of(code: str | None) -> timezone:
    """Return the time zone of a region code's province (WIB when unknown or national)."""
    province = (code or "").split(".")[0]
    if province in _WITA:
        return WITA
    if province in _WIT:
        return WIT
    return WIB


def local(at: datetime, code: str | None, fmt: str = "%d-%m-%Y %H:%M") -> str:
    """Format a UTC time in the region's local time and zone, e.g. '28-11-2026 05:23 WIB'."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    zone = zone_of(code)
    return f"{aware.astimezone(zone).strftime(fmt)} {zone.tzname(None)}"
