"""`GET /api/v1/regions/{code}/brief`: the weekly early-warning brief as PDF or HTML."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.auth.deps import require
from api.auth.schemas import AUTH_RESPONSES
from api.deps import SessionDep
from api.edge import EdgeRoute
from api.regions.endpoints import RegionCode, Since, Until, period_of
from monitor.core.base import utcnow
from monitor.core.errors import Invalid, NotFound
from monitor.desk import figures
from monitor.desk.brief import service
from monitor.desk.brief.content import DEFAULT_DAYS, BriefLevelError
from monitor.keys.principal import Principal

router = APIRouter(
    prefix="/regions", tags=["regions"], responses=AUTH_RESPONSES, route_class=EdgeRoute
)


@router.get(
    "/{code}/brief",
    summary="The region's early-warning brief (laporan deteksi dini) as PDF or HTML",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}, "text/html": {}}},
        404: {"description": "No such region within your scope (problem details)"},
    },
)
def brief(
    code: RegionCode,
    session: SessionDep,
    principal: Annotated[Principal, require("read_regions")],
    format: Annotated[Literal["pdf", "html"], Query(description="pdf or html")] = "pdf",
    since: Since = None,
    until: Until = None,
    from_: Annotated[Since, Query(alias="from", description="Period start (ISO 8601)")] = None,
    to: Annotated[Until, Query(description="Period end (ISO 8601); default now")] = None,
) -> Response:
    """Top narratives, confirmed items per label with trends, debunks, alerts and rank."""
    p = period_of(DEFAULT_DAYS, from_ or since, to or until)
    try:
        f = service.make(session, principal, code, p, format, utcnow())
    except (figures.RegionNotFound, figures.OutOfScope):
        # One answer for both, so a scoped key learns nothing about other regions.
        raise NotFound("error.no_region", code=code) from None
    except BriefLevelError:
        raise Invalid("error.brief_level", code=code) from None
    disposition = "attachment" if format == "pdf" else "inline"
    return Response(
        f.content,
        media_type=f.media_type,
        headers={"Content-Disposition": f'{disposition}; filename="{f.filename}"'},
    )
