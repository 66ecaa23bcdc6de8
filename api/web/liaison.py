"""The liaison view's figures: regions ranked, one region's summary and its daily trend.

All numbers come from `monitor.desk.figures` (issue 7), which applies the caller's region
scope; this module only shapes them for the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from api.web.charts import Chart, trend_chart
from monitor.core.localtime import DEFAULT_ZONE, pick_zone, to_local, zone_of
from monitor.desk import figures
from monitor.keys.principal import Principal

TREND_DAYS = 14
TREND_SERIES = ("flagged", "confirmed", "escalated", "dismissed")


@dataclass
class Overview:
    """What the liaison page shows."""

    days: int
    ranking: list[dict[str, Any]]
    ranking_level: str
    selected: dict[str, Any] | None = None
    chart: Chart | None = None
    choices: list[tuple[str, str]] = field(default_factory=list)
    zone: str = DEFAULT_ZONE
    period_text: str = ""


def period(
    days: int = TREND_DAYS, now: datetime | None = None, zone: str = DEFAULT_ZONE
) -> figures.Period:
    """Return the last `days` whole local days (WIB/WITA/WIT) up to the end of today."""
    here = to_local(now or datetime.now(UTC), zone)
    end = datetime(here.year, here.month, here.day, tzinfo=here.tzinfo) + timedelta(days=1)
    return figures.Period(since=end - timedelta(days=days), until=end)


def period_text(p: figures.Period, zone: str) -> str:
    """Say the period in local dates: `07-11-2025 – 20-11-2025 WIB` (the end day included)."""
    first = to_local(p.since, zone).strftime("%d-%m-%Y")
    last = to_local(p.until - timedelta(seconds=1), zone).strftime("%d-%m-%Y")
    return f"{first} – {last} {zone}"


def _ranking_level(principal: Principal) -> str:
    # A liaison scoped to kabupaten codes ranks kabupaten; everyone else ranks provinces.
    if principal.regions and all("." in code for code in principal.regions):
        return "kabupaten"
    return "province"


def chart_of(summary: dict[str, Any], p: figures.Period) -> Chart:
    """Lay out the summary's per-day counts as one line per status."""
    start = p.since.date()
    days = [start + timedelta(days=i) for i in range((p.until.date() - start).days)]
    counts: dict[str, dict[date, int]] = {name: {} for name in TREND_SERIES}
    for entry in summary.get("trend", []):
        try:
            day = date.fromisoformat(str(entry.get("day")))
        except ValueError:
            continue
        for name in TREND_SERIES:
            counts[name][day] = int(entry.get(name, 0) or 0)
    return trend_chart(days, counts)


def overview(
    session: Session, principal: Principal, region: str | None, days: int = TREND_DAYS
) -> Overview:
    """Build the page: ranking in scope, then the chosen (or first) region's summary."""
    zone = pick_zone(None, [c for c in (region, *principal.regions) if c])
    p = period(days, zone=zone)
    level = _ranking_level(principal)
    ranking = figures.ranking(session, principal, level, p)
    choices = [(r["code"], r["name"]) for r in ranking]
    view = Overview(days=days, ranking=ranking, ranking_level=level, choices=choices)
    view.zone, view.period_text = zone, period_text(p, zone)
    code = region or (principal.regions[0] if principal.regions else None)
    if code is None and ranking:
        code = ranking[0]["code"]
    if code is None:
        return view
    if zone_of(code) != zone:  # the selected region's own local days for its figures
        zone = zone_of(code)
        p = period(days, zone=zone)
        view.zone, view.period_text = zone, period_text(p, zone)
    try:
        view.selected = figures.summary(session, principal, code, p)
    except (figures.RegionNotFound, figures.OutOfScope):
        # Same outcome for both, so the page reveals nothing about other regions.
        raise LookupError(code) from None
    view.chart = chart_of(view.selected, p)
    return view
