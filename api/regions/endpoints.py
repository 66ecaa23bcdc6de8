"""Region figures: the ranked table, one region's summary, name search."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from api.auth.deps import require
from api.auth.schemas import AUTH_RESPONSES
from api.deps import ReadSessionDep
from api.edge import EdgeRoute
from api.items.filters import IsoDateTime, aware_utc
from monitor.core.base import utcnow
from monitor.core.errors import Invalid, NotFound
from monitor.desk import figures
from monitor.keys.principal import Principal
from monitor.regions import service

router = APIRouter(
    prefix="/regions", tags=["regions"], responses=AUTH_RESPONSES, route_class=EdgeRoute
)
RegionCode = Annotated[
    str, Path(pattern=r"^\d{2}(\.\d{2}(\.\d{2})?)?$", description="Dotted Kemendagri code")
]
MAX_DAYS = 366


def period_of(days: int, since: datetime | None, until: datetime | None) -> figures.Period:
    """Build the reporting window from `days` or an explicit since/until (UTC)."""
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise Invalid("error.needs_timezone", name=name)
    since, until = aware_utc(since, "since"), aware_utc(until, "until")
    end = until or utcnow()
    try:
        start = since or end - timedelta(days=days)
    except OverflowError:
        raise Invalid("error.until_too_early") from None
    if start >= end:
        raise Invalid("error.since_after_until")
    if end - start > timedelta(days=MAX_DAYS):
        raise Invalid("error.period_too_long", days=MAX_DAYS)
    return figures.Period(since=start, until=end)


Days = Annotated[int, Query(ge=1, le=MAX_DAYS, description="Window length ending now")]
# ISO 8601 only, as on /items: a bare number is refused rather than read as a Unix time.
Since = Annotated[IsoDateTime | None, Query(description="Window start (ISO 8601 with zone)")]
Until = Annotated[IsoDateTime | None, Query(description="Window end (ISO 8601 with zone)")]


@router.get("", summary="Regions the caller may see, ranked by vulnerability score")
def ranking(
    session: ReadSessionDep,
    principal: Annotated[Principal, require("read_regions")],
    level: Annotated[Literal["province", "kabupaten"], Query()] = "province",
    days: Days = 30,
    since: Since = None,
    until: Until = None,
    ikp: Annotated[bool, Query(description="Weight scores by imported IKP")] = True,
) -> dict[str, Any]:
    """Rank regions by confirmed flags per 1,000 collected posts (optionally IKP-weighted)."""
    p = period_of(days, since, until)
    rows = figures.ranking(session, principal, level, p, use_ikp=ikp)
    return {
        "level": level,
        "since": p.since.isoformat(),
        "until": p.until.isoformat(),
        "score": "1000 * confirmed / max(volume, 20), summed over labels, x (1 + IKP/100)",
        "regions": rows,
    }


@router.get("/search", summary="Resolve a region name, abbreviation or code")
def search(
    principal: Annotated[Principal, require("read_regions")],
    q: Annotated[str, Query(min_length=1, max_length=100)],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[dict[str, Any]]:
    """Return matching regions (the official list is public; no scope needed)."""
    return [
        {"code": r.code, "name": r.name, "level": r.level, "parent_code": r.parent_code}
        for r in service.search(q, limit)
    ]


@router.get(
    "/{code}/summary",
    summary="One region's figures",
    responses={404: {"description": "No such region within your scope (problem details)"}},
)
def summary(
    code: RegionCode,
    session: ReadSessionDep,
    principal: Annotated[Principal, require("read_regions")],
    days: Days = 30,
    since: Since = None,
    until: Until = None,
    top: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict[str, Any]:
    """Flagged/confirmed/dismissed/escalated per label, top clusters and sources, trend."""
    p = period_of(days, since, until)
    try:
        return figures.summary(session, principal, code, p, top)
    except (figures.RegionNotFound, figures.OutOfScope):
        # One answer for both, so a scoped key learns nothing about other regions.
        raise NotFound("error.no_region", code=code) from None
