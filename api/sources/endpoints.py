"""GET /api/v1/sources: schedule state and statistics per source."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth.deps import require
from api.deps import SessionDep
from api.edge import EdgeRoute
from monitor.keys.principal import Principal
from monitor.sources import service
from monitor.sources.redaction import for_non_admin
from monitor.sources.schemas import SourceOut

router = APIRouter(tags=["sources"], route_class=EdgeRoute)


@router.get("/sources", response_model=list[SourceOut], summary="Sources and their last runs")
def list_sources(
    session: SessionDep, principal: Principal = require("read_sources")
) -> list[SourceOut]:
    """Return every source with its schedule state, errors and item counts.

    Credentials inside source URLs (user:password@, token query values) are shown to
    admins only; other roles see them masked.
    """
    sources = service.list_sources(session)
    if principal.role == "admin":
        return sources
    return [for_non_admin(s) for s in sources]
