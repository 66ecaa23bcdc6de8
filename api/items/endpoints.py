"""The review queue: list, detail, claim, decide (single and bulk), case file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from api.auth.deps import require, require_in_endpoint
from api.auth.schemas import AUTH_RESPONSES
from api.deps import SessionDep, SettingsDep, begin_review_write, read_only
from api.edge import EdgeRoute
from api.items.filters import GroupName, ItemFiltersDep, MixName, SortName
from monitor.core.errors import Conflict, MethodNotAllowed, NotFound
from monitor.core.localtime import ZONES
from monitor.desk import detail, pagerows, queue
from monitor.desk import explore as explore_mod
from monitor.desk import rows as desk_rows
from monitor.desk.schemas import QueuePage
from monitor.desk.views import ItemDetail
from monitor.keys.principal import Principal
from monitor.reviews import service as reviews
from monitor.reviews.schemas import (
    BulkDecisionIn,
    BulkDecisionOut,
    ClaimOut,
    DecisionIn,
    DecisionOut,
)

router = APIRouter(prefix="/items", tags=["items"], responses=AUTH_RESPONSES, route_class=EdgeRoute)
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Item (post) id")]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such item within your scope (problem details)"}
}
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "Claimed by someone else or already decided (problem details)"}
}


def not_found() -> NotFound:
    """The one answer for missing and out-of-scope items alike."""
    return NotFound(reviews.NOT_FOUND)


@contextmanager
def review_errors(session: Session | None = None) -> Iterator[None]:
    """Serialise writers on SQLite; a lost write race is a conflict (review errors pass on)."""
    try:
        if session is not None:
            begin_review_write(session)
        yield
    except OperationalError as exc:
        if "locked" not in str(exc).lower():
            raise
        raise Conflict(reviews.CONCURRENT) from None


@router.get(
    "",
    summary="The review queue (per narrative by default, per post with group=none), paged",
    response_model=QueuePage,
    responses={400: {"description": "Invalid cursor (problem details)"}},
)
def list_items(
    session: SessionDep,
    filters: ItemFiltersDep,
    principal: Annotated[Principal, require_in_endpoint("read_items")],
    sort: SortName = "priority",
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    limit: Annotated[int, Query(ge=1, le=queue.MAX_LIMIT)] = 50,
    group: Annotated[
        GroupName,
        Query(
            description="`cluster` (default, as on the review page): one row per narrative "
            "cluster, its best-scored copy on top with `narrative` (copies, sources, regions, "
            "growth, first/last seen) and `priority_parts`; posts without a cluster are rows "
            "of their own. `none`: one row per post (flat lists, e.g. bulk exports by page). "
            "Cursors belong to one mode. `mix=uncertain` is always one row per post"
        ),
    ] = "cluster",
    tz: Annotated[
        str | None,
        Query(
            pattern="^(WIB|WITA|WIT)$",
            description="Zone of `published_local`; default: by each item's region",
        ),
    ] = None,
    mix: Annotated[
        MixName,
        Query(
            description="`uncertain` interleaves items the model is least sure about (a score "
            "within `band` of a label threshold, or two model versions disagreeing) with the "
            "sort order; each row's `why_in_queue` says which stream it came from"
        ),
    ] = "none",
    explore: Annotated[
        float,
        Query(ge=0, le=1, description="Share of each page from the uncertain stream (mix only)"),
    ] = explore_mod.DEFAULT_EXPLORE,
    band: Annotated[
        float,
        Query(gt=0, le=0.5, description="Distance to a threshold that counts as uncertain"),
    ] = explore_mod.DEFAULT_BAND,
) -> Response:
    """List flagged items in your scope; `next_cursor` pages on, stable under new arrivals."""
    read_only(session)
    response = _list_page(
        session, filters, principal, sort, cursor, limit, group, tz, mix, explore, band
    )
    # The edge ends its transaction here, in this worker thread (see api.deps.get_session).
    session.commit()
    return response


def _list_page(
    session: Session,
    filters: queue.ItemFilters,
    principal: Principal,
    sort: str,
    cursor: str | None,
    limit: int,
    group: str,
    tz: str | None,
    mix: str,
    explore: float,
    band: float,
) -> Response:
    """Build one page of `list_items` (any mode) as a finished JSON response."""
    zone = tz if tz in ZONES else None
    if mix == "uncertain":
        entries, next_cursor = explore_mod.mixed_page(
            session,
            principal,
            filters,
            sort,
            cursor,
            limit,
            explore_mod.Mix(explore=explore, band=band),
        )
        rows = pagerows.rows_by_ids(session, [e.id for e in entries])
        why = {e.id: e for e in entries}
        items = pagerows.page_dicts(rows, zone)
        for item in items:
            item["why_in_queue"] = why[item["id"]].why
            item["uncertainty"] = why[item["id"]].margin
        return _json_page(items, next_cursor)
    if group == "cluster":
        grouped, next_cursor = desk_rows.page_dicts(
            session, principal, filters, sort, cursor, limit, zone
        )
        return _json_page(grouped, next_cursor)
    flat, next_cursor = pagerows.flat_rows(session, principal, filters, sort, cursor, limit)
    return _json_page(pagerows.page_dicts(flat, zone), next_cursor)


def _json_page(items: list[dict[str, Any]], next_cursor: str | None) -> Response:
    """Serialise a page of `pagerows.row_dict` rows with orjson, as `QueuePage` would.

    OPT_UTC_Z writes UTC times as `Z`, the way pydantic does (tests compare both outputs).
    """
    body = orjson.dumps({"items": items, "next_cursor": next_cursor}, option=orjson.OPT_UTC_Z)
    return Response(content=body, media_type="application/json")


@router.post(
    "/decisions",
    summary="Decide many items; each succeeds or fails on its own",
    response_model=BulkDecisionOut,
)
def bulk_decision(
    body: BulkDecisionIn,
    session: SessionDep,
    principal: Annotated[Principal, require("review")],
) -> BulkDecisionOut:
    """Apply up to 500 decisions; `results` has one entry per item with its own status."""
    with review_errors(session):
        return reviews.bulk_decide(session, principal, body)


@router.api_route(
    "/decisions",
    methods=["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"],
    include_in_schema=False,
)
def decisions_other_methods() -> None:
    """Answer 405, not a 422 from /items/{item_id} reading 'decisions' as an id."""
    problem = MethodNotAllowed("error.bulk_post_only")
    problem.headers["Allow"] = "POST"
    raise problem


@router.get(
    "/{item_id}", summary="One item in full", response_model=ItemDetail, responses=_NOT_FOUND
)
def get_item(
    item_id: ItemId,
    session: SessionDep,
    principal: Annotated[Principal, require_in_endpoint("read_items")],
) -> ItemDetail:
    """Return the post, predictions with explanations, debunk, cluster, regions and reviews."""
    read_only(session)  # seven SELECTs, no BEGIN/COMMIT round trips (as the queue page)
    found = detail.item_detail(session, principal, item_id)
    if found is None:
        raise not_found()
    return found


@router.post(
    "/{item_id}/claim",
    summary="Lease an item so no one else works it",
    response_model=ClaimOut,
    responses={**_NOT_FOUND, **_CONFLICT},
)
def claim_item(
    item_id: ItemId,
    session: SessionDep,
    settings: SettingsDep,
    principal: Annotated[Principal, require("claim")],
) -> ClaimOut:
    """Claim (or renew your claim on) an item; the lease expires after WASPADA_CLAIM_LEASE."""
    with review_errors(session):
        return reviews.claim(session, principal, item_id, settings.claim_lease)


@router.delete(
    "/{item_id}/claim",
    summary="Release your lease",
    status_code=204,
    responses={**_NOT_FOUND, **_CONFLICT},
)
def release_item(
    item_id: ItemId,
    session: SessionDep,
    principal: Annotated[Principal, require("claim")],
) -> Response:
    """Release your claim so the item returns to the queue."""
    with review_errors(session):
        reviews.release(session, principal, item_id)
    return Response(status_code=204)


@router.post(
    "/{item_id}/decision",
    summary="Confirm, dismiss or escalate an item",
    response_model=DecisionOut,
    responses={
        **_NOT_FOUND,
        **_CONFLICT,
        422: {"description": "Invalid decision (problem details)"},
    },
)
def decide_item(
    item_id: ItemId,
    body: DecisionIn,
    session: SessionDep,
    principal: Annotated[Principal, require("review")],
) -> DecisionOut:
    """Decide; if someone else decided first (status differs from expected_status) answer 409."""
    with review_errors(session):
        return reviews.decide(session, principal, item_id, body)


@router.get(
    "/{item_id}/casefile",
    summary="Evidence bundle for one item (JSON)",
    responses=_NOT_FOUND,
)
def casefile(
    item_id: ItemId,
    session: SessionDep,
    principal: Annotated[Principal, require("export_casefile")],
) -> Any:
    """Post text, raw payload, fetch time, content hash, predictions, decisions, audit events."""
    found = detail.casefile(session, principal, item_id)
    if found is None:
        raise not_found()
    return Response(
        content=_json(found),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="casefile-{item_id}.json"'},
    )


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, indent=2, default=str).encode()
