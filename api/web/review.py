"""The review page: the queue, item panels and triage actions, behind one login dependency."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.responses import Response

from api.deps import SessionDep, SettingsDep, begin_review_write
from api.edge import EdgeRoute
from api.web import pages, views
from api.web.guard import WebUser, acting_user, page_user
from api.web.rendering import (
    render,
    request_lang,
    request_zone,
    safe_next,
    secure,
    see_other,
)
from monitor.core.errors import Invalid
from monitor.core.i18n import translate
from monitor.desk import queue
from monitor.reviews import service as reviews
from monitor.reviews.schemas import DecisionIn

router = APIRouter(include_in_schema=False, route_class=EdgeRoute)
QUEUE_PAGE = 50

Label = Annotated[str, Query(max_length=40)]
Status = Annotated[str, Query(max_length=20)]
RegionQ = Annotated[str, Query(max_length=100)]
Text = Annotated[str, Query(max_length=200)]
ItemId = Annotated[int, Path(ge=1, le=2**62)]
Back = Annotated[str, Form(max_length=2000)]


def _filters(label: str, status: str, region: str, q: str, mix: str = "") -> views.Filters:
    return views.Filters(
        label=label.strip(),
        status=status.strip(),
        region=region.strip(),
        q=q.strip(),
        mix=mix.strip(),
    )


@router.get("/ui/")
def queue_page(
    request: Request,
    session: SessionDep,
    user: Annotated[WebUser, page_user("read_items")],
    label: Label = "",
    status: Status = "",
    region: RegionQ = "",
    q: Text = "",
    mix: Annotated[str, Query(max_length=20)] = "",
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    item: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Response:
    """The review queue with filters, and the selected item beside it."""
    principal = user.principal
    filters = _filters(label, status, region, q, mix)
    filter_error = None
    lang, zone = request_lang(request), request_zone(request)
    try:
        rows, next_cursor = pages.queue_rows(
            session, principal, filters, cursor, QUEUE_PAGE, lang, zone
        )
    except queue.QueryError as exc:
        rows, next_cursor, filter_error = [], None, exc.message(lang)
    selected_id = item if item is not None else (rows[0].id if rows else None)
    selected = (
        pages.item_view(session, principal, selected_id, filters, lang, zone)
        if selected_id
        else None
    )
    return render(
        request,
        "queue.html",
        {
            "active": "queue",
            "filters": filters,
            "rows": rows,
            "next_href": filters.href(cursor=next_cursor) if next_cursor else None,
            "filter_error": filter_error,
            "selected": selected,
            **pages.panel_context(principal, filters),
        },
        principal=principal,
        csrf=user.csrf,
    )


@router.get("/ui/items/{item_id}/panel")
def item_panel(
    request: Request,
    session: SessionDep,
    user: Annotated[WebUser, page_user("read_items", redirect=False)],
    item_id: ItemId,
    back: Annotated[str, Query(max_length=2000)] = "/ui/",
    single: Annotated[bool, Query()] = False,
) -> Response:
    """The item panel alone (HTML fragment), for keyboard navigation without reloads."""
    filters = _filters_from_back(back)
    selected = pages.item_view(
        session, user.principal, item_id, filters, request_lang(request), request_zone(request)
    )
    if selected is None:
        # Missing and out-of-scope items answer alike, so nothing can be inferred.
        raise reviews.NotFound("error.not_found")
    return render(
        request,
        "_item.html",
        # `single`: opened from a cluster's list of copies, to decide that copy alone.
        {"selected": selected, "single": single, **pages.panel_context(user.principal, filters)},
        principal=user.principal,
        csrf=user.csrf,
    )


def _filters_from_back(back: str) -> views.Filters:
    """Recover the queue filters from the `back` URL a panel was opened with."""
    query = urlsplit(safe_next(back)).query
    params = {k: v[0][:200] for k, v in parse_qs(query).items() if k in views.FILTER_KEYS}
    return views.Filters(**params)


def _done(request: Request, back: str, body: dict[str, object]) -> Response:
    if "application/json" in request.headers.get("accept", ""):
        return secure(JSONResponse(body))
    return see_other(safe_next(back))


@router.post("/ui/items/{item_id}/claim")
def claim_item(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: Annotated[WebUser, acting_user("claim")],
    item_id: ItemId,
    back: Back = "/ui/",
) -> Response:
    """Claim an item for the configured lease time."""
    begin_review_write(session)
    out = reviews.claim(session, user.principal, item_id, settings.claim_lease)
    return _done(
        request,
        back,
        {
            "item_id": item_id,
            "claimed_by": out.claimed_by,
            "expires_at": out.expires_at.isoformat(),
            "message": translate(request_lang(request), "act.claimed"),
        },
    )


@router.post("/ui/items/{item_id}/decision")
def decide_item(
    request: Request,
    session: SessionDep,
    user: Annotated[WebUser, acting_user("review")],
    item_id: ItemId,
    decision: Annotated[str, Form(max_length=20)],
    labels: Annotated[list[str] | None, Form(max_length=10)] = None,
    reason: Annotated[str | None, Form(max_length=2000)] = None,
    target: Annotated[str | None, Form(max_length=40)] = None,
    note: Annotated[str | None, Form(max_length=4000)] = None,
    apply_to_cluster: Annotated[bool, Form()] = False,
    expected_status: Annotated[str, Form(max_length=20)] = "new",
    back: Back = "/ui/",
) -> Response:
    """Confirm, dismiss or escalate an item; 409 when someone else decided it first."""
    lang = request_lang(request)
    if reason in pages.DISMISS_REASONS:
        reason = translate("en", f"reason.{reason}")  # stored in one language for exports
    try:
        body = DecisionIn.model_validate(
            {
                "action": decision,
                "labels": labels if decision == "confirm" else None,
                "reason": reason if decision == "dismiss" else None,
                "target": target if decision == "escalate" else None,
                "note": note or None,
                "apply_to_cluster": apply_to_cluster,
                "expected_status": expected_status,
            }
        )
    except ValidationError as exc:
        detail = "; ".join(str(e.get("msg", "")) for e in exc.errors())
        raise Invalid("error.invalid_decision", problems=detail[:500]) from None
    begin_review_write(session)
    out = reviews.decide(session, user.principal, item_id, body)
    return _done(
        request,
        back,
        {
            "item_id": item_id,
            "status": out.status,
            "status_label": translate(lang, f"status.{out.status}"),
            "cluster_applied": out.cluster_applied,
            "cluster_item_ids": out.cluster_item_ids,
            "message": translate(lang, "act.done"),
        },
    )
