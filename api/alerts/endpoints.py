"""Alerts (scoped), acknowledge/resolve (audited), and subscription management."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from api.auth.deps import require
from api.auth.schemas import AUTH_RESPONSES
from api.deps import SessionDep, SettingsDep
from api.edge import EdgeRoute
from monitor.alerts import repository, service, subscriptions
from monitor.core.errors import NotFound
from monitor.core.outbound import policy_for
from monitor.keys.principal import Principal

router = APIRouter(
    prefix="/alerts", tags=["alerts"], responses=AUTH_RESPONSES, route_class=EdgeRoute
)
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such alert within your scope (problem details)"}
}


class SubscriptionIn(BaseModel):
    """A subscription request."""

    name: str = Field(min_length=1, max_length=200)
    channel: Literal["webhook", "telegram", "email"]
    target: str = Field(min_length=1, max_length=2000)
    region_codes: list[str] = Field(default_factory=list, max_length=100)
    labels: list[str] = Field(default_factory=list, max_length=10)
    rules: list[str] = Field(default_factory=list, max_length=10)
    secret: str | None = Field(default=None, min_length=16, max_length=200)


@router.get("", summary="Alerts in the caller's regions, newest first")
def list_alerts(
    session: SessionDep,
    principal: Annotated[Principal, require("read_alerts")],
    status: Annotated[Literal["open", "acknowledged", "resolved"] | None, Query()] = None,
    region: Annotated[str | None, Query(pattern=r"^\d{2}(\.\d{2}){0,2}$")] = None,
    rule: Annotated[
        Literal["volume_spike", "reviewed_item", "cluster_spread", "score_drift"] | None, Query()
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before_id: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="Page: ids below this")
    ] = None,
) -> dict[str, Any]:
    """List alerts; page with `before_id` = the last id of the previous page."""
    rows = repository.list_alerts(
        session,
        principal,
        status=status,
        region=region,
        rule=rule,
        limit=limit,
        before_id=before_id,
    )
    return {
        "alerts": [service.describe(a) for a in rows],
        "next_before_id": rows[-1].id if len(rows) == limit else None,
    }


def _transition(session: SessionDep, principal: Principal, alert_id: int, action: str) -> Any:
    alert = service.transition(session, principal, alert_id, action)
    return service.describe(alert)


@router.post("/{alert_id}/acknowledge", summary="Acknowledge an alert", responses=_NOT_FOUND)
def acknowledge(
    alert_id: Id, session: SessionDep, principal: Annotated[Principal, require("ack_alerts")]
) -> dict[str, Any]:
    """Mark an open alert as seen by the caller (audited)."""
    result: dict[str, Any] = _transition(session, principal, alert_id, "acknowledge")
    return result


@router.post("/{alert_id}/resolve", summary="Resolve an alert", responses=_NOT_FOUND)
def resolve(
    alert_id: Id, session: SessionDep, principal: Annotated[Principal, require("ack_alerts")]
) -> dict[str, Any]:
    """Close an alert (audited)."""
    result: dict[str, Any] = _transition(session, principal, alert_id, "resolve")
    return result


@router.get("/subscriptions", summary="The caller's subscriptions (admins: all)")
def list_subscriptions(
    session: SessionDep, principal: Annotated[Principal, require("subscribe_alerts")]
) -> list[dict[str, Any]]:
    """List subscriptions; webhook secrets are never returned."""
    return [subscriptions.describe(s) for s in repository.subscriptions_for(session, principal)]


@router.post("/subscriptions", status_code=201, summary="Subscribe the caller's key")
def create_subscription(
    body: SubscriptionIn,
    session: SessionDep,
    settings: SettingsDep,
    principal: Annotated[Principal, require("subscribe_alerts")],
) -> dict[str, Any]:
    """Create a subscription within the key's regions; a generated webhook secret is shown once."""
    req = subscriptions.SubscriptionRequest(
        name=body.name,
        channel=body.channel,
        target=body.target,
        region_codes=tuple(body.region_codes),
        labels=tuple(body.labels),
        rules=tuple(body.rules),
        secret=body.secret,
    )
    # A SubscriptionError is a 422 in the caller's language, answered by the one handler.
    sub, generated = subscriptions.create(session, principal, req, policy=policy_for(settings))
    out = subscriptions.describe(sub)
    if generated:
        out["secret"] = generated
    return out


@router.get("/subscriptions/{sub_id}", summary="One subscription")
def get_subscription(
    sub_id: Id, session: SessionDep, principal: Annotated[Principal, require("subscribe_alerts")]
) -> dict[str, Any]:
    """Return a subscription the caller owns."""
    try:
        return subscriptions.describe(subscriptions.owned(session, principal, sub_id))
    except subscriptions.SubscriptionNotFound:
        raise NotFound("error.no_subscription", sub_id=sub_id) from None


@router.delete("/subscriptions/{sub_id}", status_code=204, summary="Unsubscribe")
def delete_subscription(
    sub_id: Id, session: SessionDep, principal: Annotated[Principal, require("subscribe_alerts")]
) -> Response:
    """Delete a subscription the caller owns."""
    try:
        subscriptions.delete(session, principal, sub_id)
    except subscriptions.SubscriptionNotFound:
        raise NotFound("error.no_subscription", sub_id=sub_id) from None
    return Response(status_code=204)
