"""GET /api/v1/sources: schedule state and statistics per source."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth.deps import require
from api.deps import SessionDep
from monitor.keys.principal import Principal
from monitor.sources import service
from monitor.sources.schemas import SourceOut

router = APIRouter(tags=["sources"])


@router.get("/sources", response_model=list[SourceOut], summary="Sources and their last runs")
def list_sources(
    session: SessionDep, principal: Principal = require("read_sources")
) -> list[SourceOut]:
    """Return every source with its schedule state, errors and item counts."""
    return service.list_sources(session)
