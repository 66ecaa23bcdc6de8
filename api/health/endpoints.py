"""GET /healthz and GET /readyz."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import SessionDep, SettingsDep
from api.edge import EdgeRoute
from api.health import service

router = APIRouter(tags=["health"], route_class=EdgeRoute)


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    """Answer as long as the process serves requests."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Database reachable, model loaded, scheduler heartbeat fresh",
    responses={503: {"description": "Not ready; `checks` says which part failed"}},
)
def readyz(session: SessionDep, settings: SettingsDep) -> Any:
    """Report readiness with one entry per check; 503 while any check fails."""
    ready, checks = service.readiness(session, settings.heartbeat_max_age)
    body = {"status": "ready" if ready else "not ready", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503)
