"""`GET /ui/liaison`: per-region counts and the daily trend within the caller's regions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from api.deps import SessionDep
from api.edge import EdgeRoute
from api.web import liaison
from api.web.guard import WebUser, page_user
from api.web.rendering import render
from classifiers.contracts import LABELS
from monitor.core.errors import NotFound

router = APIRouter(include_in_schema=False, route_class=EdgeRoute)


@router.get("/ui/liaison")
def liaison_page(
    request: Request,
    session: SessionDep,
    user: Annotated[WebUser, page_user("read_regions")],
    region: Annotated[str | None, Query(max_length=30, pattern=r"^[0-9.]+$")] = None,
) -> Response:
    """Per-region counts and the daily trend within the caller's regions."""
    try:
        view = liaison.overview(session, user.principal, region)
    except LookupError:
        raise NotFound("error.not_found") from None
    return render(
        request,
        "liaison.html",
        {"active": "liaison", "view": view, "labels": LABELS, "map_partial": None},
        principal=user.principal,
        csrf=user.csrf,
    )
