"""GET /stats: queue size by label, reviewed today, median time to decision."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from api.auth.deps import require
from api.auth.schemas import AUTH_RESPONSES
from api.deps import SessionDep
from api.edge import EdgeRoute
from monitor.desk import stats as review_stats
from monitor.desk.stats import StatsOut
from monitor.keys.principal import Principal

router = APIRouter(tags=["stats"], responses=AUTH_RESPONSES, route_class=EdgeRoute)


@router.get("/stats", summary="Review queue figures for your scope", response_model=StatsOut)
def get_stats(
    session: SessionDep, principal: Annotated[Principal, require("read_stats")]
) -> StatsOut:
    """Return the queue size per label, items reviewed today and median time to decision."""
    return review_stats.stats(session, principal)
