"""Query parameters shared by the queue and the exports, turned into ItemFilters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal, get_args

from fastapi import Depends, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BeforeValidator
from sqlalchemy.orm import Session

from api.deps import SessionDep, release
from classifiers.contracts import LABELS
from monitor.core.errors import Invalid
from monitor.desk import queue
from monitor.posts.schemas import clean_text

LabelName = Literal["hoax", "black_campaign", "money_politics", "identity_politics"]
StatusName = Literal["new", "confirmed", "dismissed", "escalated"]
SortName = Literal["priority", "time"]
MixName = Literal["none", "uncertain"]
GroupName = Literal["cluster", "none"]
assert set(get_args(LabelName)) == set(LABELS), "LabelName must list classifiers.contracts.LABELS"


def iso_only(value: object) -> object:
    """Refuse bare numbers as times: '0.5' is a client bug, not 1970-01-01T00:00:00.5Z."""
    if not isinstance(value, str):
        return value
    try:
        float(value)  # any spelling pydantic would read as a Unix time: 5, -0.5, 4.8e+16, inf
    except ValueError:
        return value
    raise ValueError("expected an ISO 8601 date or date-time, e.g. 2024-02-14T08:00:00Z")


IsoDateTime = Annotated[datetime, BeforeValidator(iso_only)]


def aware_utc(value: datetime | None, name: str) -> datetime | None:
    """Return a query time in UTC (no zone means UTC); 422 when it has no UTC form."""
    # Why: a date without a zone from a query string means UTC, like every stored time.
    if value is None:
        return None
    try:
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    except (OverflowError, ValueError):
        # 0001-01-01T00:00:00+14:00 or 9999-12-31T23:59:59-12:00: outside what UTC can hold.
        raise Invalid("error.date_range", name=name) from None


async def item_filters(
    session: SessionDep,
    label: Annotated[list[LabelName], Query(description="Model label; repeat for any-of")] = [],  # noqa: B006
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    max_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    status: Annotated[list[StatusName], Query(description="Review status; repeatable")] = [],  # noqa: B006
    region: Annotated[
        list[str],
        Query(
            max_length=100,
            description="Kemendagri code (includes sub-regions) or region name; repeatable",
            examples=["15", "Jambi"],
        ),
    ] = [],  # noqa: B006
    source: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    platform: Annotated[str | None, Query(max_length=40)] = None,
    cluster: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    since: Annotated[
        IsoDateTime | None,
        Query(description="Collected at or after (UTC)", examples=["2024-02-01T00:00:00Z"]),
    ] = None,
    until: Annotated[
        IsoDateTime | None,
        Query(description="Collected before (UTC)", examples=["2024-02-15T00:00:00Z"]),
    ] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Words in the text", examples=["amplop"])
    ] = None,
) -> queue.ItemFilters:
    """Build the filters from query parameters (region names resolve via the regions table).

    Async: most requests name no region, or regions by code, so no I/O and no worker-thread
    hop; a region name's lookup runs in a worker thread.
    """
    if len(region) > 50 or len(label) > 10 or len(status) > 10:
        raise Invalid("error.too_many_filters")
    if min_score is not None and max_score is not None and min_score > max_score:
        raise Invalid("error.min_over_max")
    since_utc, until_utc = aware_utc(since, "since"), aware_utc(until, "until")
    if since_utc is not None and until_utc is not None and since_utc > until_utc:
        # An export would otherwise answer 200 with only its header row.
        raise Invalid("error.since_after_until")
    regions = [clean_text(r) for r in region]
    regions = [r for r in regions if r]
    text = clean_text(q) if q else None
    codes = plain_codes(regions)
    if codes is None:  # a region name: looked up in the regions table, in a worker thread
        codes = await run_in_threadpool(_region_codes, session, regions)
    return queue.ItemFilters(
        labels=tuple(sorted(set(label))),
        min_score=min_score,
        max_score=max_score,
        statuses=tuple(sorted(set(status))),
        region_codes=codes,
        regions_requested=bool(regions),
        source_id=source,
        platform=clean_text(platform) if platform else None,
        cluster_id=cluster,
        since=since_utc,
        until=until_utc,
        q=text or None,
    )


def plain_codes(values: list[str]) -> tuple[str, ...] | None:
    """Return what `queue.resolve_regions` would when every value is a region code, else None.

    Why: codes need no lookup, so a page filtered by codes needs no database work (and no
    worker-thread hop) to resolve them; only names go to the regions table.
    """
    codes = {v.strip() for v in values}
    codes.discard("")
    if all(code.replace(".", "").isdigit() for code in codes):
        return tuple(sorted(codes))
    return None


def _region_codes(session: Session, regions: list[str]) -> tuple[str, ...]:
    """Resolve region names, then hand the connection back before the endpoint's thread hop."""
    codes = queue.resolve_regions(session, regions)
    release(session)
    return tuple(codes)


ItemFiltersDep = Annotated[queue.ItemFilters, Depends(item_filters)]
