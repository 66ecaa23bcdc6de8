"""Indonesian local time: WIB, WITA or WIT by a region's province code, for pages and texts.

Province codes are the Kemendagri/BPS ones (`15` Jambi, `15.07` a kabupaten in it). Times are
stored in UTC everywhere; this module only formats them for people.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta, timezone

ZONES: dict[str, timezone] = {
    "WIB": timezone(timedelta(hours=7), "WIB"),
    "WITA": timezone(timedelta(hours=8), "WITA"),
    "WIT": timezone(timedelta(hours=9), "WIT"),
}
DEFAULT_ZONE = "WIB"
# Central Indonesian time: Kalimantan Selatan/Timur/Utara, Bali, NTB, NTT and Sulawesi.
_WITA = frozenset({"63", "64", "65", "51", "52", "53", "71", "72", "73", "74", "75", "76"})


def zone_of(region_code: str | None) -> str:
    """Return WIB, WITA or WIT for a region code (province or below); WIB when unknown."""
    province = (region_code or "").strip().split(".", 1)[0]
    if not province.isdigit() or len(province) != 2:
        return DEFAULT_ZONE
    if province in _WITA:
        return "WITA"
    if province[0] in "89":  # Maluku (81, 82) and every Papua province (91-96)
        return "WIT"
    return "WIB"  # Sumatra (1x), Java (3x), Kalimantan Barat/Tengah (61, 62)


def zone_of_regions(codes: Iterable[str]) -> str:
    """Return the zone of the first region of a post (its most specific evidence), else WIB."""
    for code in codes:
        return zone_of(code)
    return DEFAULT_ZONE


def common_zone(codes: Iterable[str]) -> str:
    """Return the one zone all regions share (a liaison's scope), else WIB (national time)."""
    zones = {zone_of(code) for code in codes}
    return zones.pop() if len(zones) == 1 else DEFAULT_ZONE


def tz_of(region_code: str | None) -> timezone:
    """Return the tzinfo (fixed offset, no DST in Indonesia) of a region code's province."""
    return ZONES[zone_of(region_code)]


def local(at: datetime, code: str | None, fmt: str = "%d-%m-%Y %H:%M") -> str:
    """Format a UTC time in the region's local time and zone, e.g. `28-11-2026 05:23 WIB`."""
    # Rows read back from SQLite are naive; every stored time is UTC, so naive means UTC here.
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    zone = zone_of(code)
    return f"{aware.astimezone(ZONES[zone]).strftime(fmt)} {zone}"


def pick_zone(preferred: str | None, codes: Iterable[str] = ()) -> str:
    """Return the user's chosen zone if valid, else the zone of the item's regions."""
    if preferred and preferred.upper() in ZONES:
        return preferred.upper()
    return zone_of_regions(codes)


def to_local(value: datetime, zone: str) -> datetime:
    """Return an aware datetime converted to a zone (naive values are refused: UTC is required)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: store and pass times as timezone-aware UTC")
    return value.astimezone(ZONES.get(zone, ZONES[DEFAULT_ZONE]))


def local_text(value: datetime | None, zone: str) -> str:
    """Format a time for people: `2025-11-20 15:05 WIB` (empty for None)."""
    if value is None:
        return ""
    return to_local(value, zone).strftime("%Y-%m-%d %H:%M ") + zone


def local_iso(value: datetime | None, zone: str) -> str | None:
    """Return ISO 8601 with the zone's offset, e.g. `2025-11-20T15:05:00+07:00`."""
    return None if value is None else to_local(value, zone).isoformat()


def utc_iso(value: datetime | None) -> str | None:
    """Return ISO 8601 in UTC with an explicit `+00:00` offset."""
    return None if value is None else to_local(value, "WIB").astimezone(UTC).isoformat()
