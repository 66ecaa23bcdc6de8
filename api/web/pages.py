"""Glue between the page and the services: filters, item panels and review actions."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from api.auth import policy
from api.web import views
from classifiers.contracts import LABELS
from monitor.desk import detail, explore, pagerows, queue
from monitor.desk import rows as desk_rows
from monitor.keys.principal import Principal

# Dismiss reasons offered on the page (the API takes free text; these keep the data tidy).
DISMISS_REASONS: tuple[str, ...] = (
    "not_election",
    "satire",
    "news_report",
    "wrong_label",
    "other",
)
ESCALATION_TARGETS: tuple[str, ...] = ("bawaslu", "platform")


def item_filters(session: Session, filters: views.Filters) -> queue.ItemFilters:
    """Turn the page's filters into the queue service's; QueryError explains bad values."""
    if filters.label and filters.label not in LABELS:
        raise queue.QueryError("error.bad_label", choices=", ".join(LABELS))
    if filters.mix and filters.mix != "uncertain":
        raise queue.QueryError("error.bad_mix")
    if filters.status and filters.status not in queue.STATUSES:
        raise queue.QueryError("error.bad_status", choices=", ".join(queue.STATUSES))
    codes: tuple[str, ...] = ()
    if filters.region:
        codes = queue.resolve_regions(session, [filters.region])
    return queue.ItemFilters(
        labels=(filters.label,) if filters.label else (),
        statuses=(filters.status,) if filters.status else (),
        region_codes=codes,
        regions_requested=bool(filters.region),
        q=filters.q or None,
    )


def queue_rows(
    session: Session,
    principal: Principal,
    filters: views.Filters,
    cursor: str | None,
    limit: int,
    lang: str = "id",
    zone: str | None = None,
) -> tuple[list[views.Row], str | None]:
    """Return one page of queue rows, one per narrative, and the next cursor (QueryError)."""
    wanted = item_filters(session, filters)
    if filters.mix == "uncertain":
        # The uncertainty mix stays one row per post: each is a separate labelling question.
        entries, next_cursor = explore.mixed_page(
            session, principal, wanted, cursor=cursor, limit=limit
        )
        flat = {r.id: r for r in pagerows.by_ids(session, [e.id for e in entries])}
        rows = [views.row(flat[e.id], filters, e.why, lang, zone) for e in entries if e.id in flat]
        return rows, next_cursor
    grouped, next_cursor = desk_rows.page(session, principal, wanted, cursor=cursor, limit=limit)
    return [views.row(r, filters, lang=lang, zone=zone) for r in grouped], next_cursor


def item_view(
    session: Session,
    principal: Principal,
    post_id: int,
    filters: views.Filters,
    lang: str = "id",
    zone: str | None = None,
) -> views.ItemView | None:
    """Return the item panel, or None when missing or outside the caller's scope."""
    found = detail.item_detail(session, principal, post_id)
    return None if found is None else views.item_view(found, filters, lang, zone)


def panel_context(principal: Principal, filters: views.Filters) -> dict[str, Any]:
    """Values every item panel needs besides the item."""
    return {
        "labels": LABELS,
        "statuses": queue.STATUSES,
        "dismiss_reasons": DISMISS_REASONS,
        "escalation_targets": ESCALATION_TARGETS,
        "can_review": policy.allowed(principal, "review"),
        # Cluster-wide decisions need a key without region limits (reviews.service).
        "can_whole": not principal.region_limited,
        "back": filters.href(),
    }
