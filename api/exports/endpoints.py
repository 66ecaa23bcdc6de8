"""Streamed exports: items as CSV or JSON lines, reviewed labels for researchers."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from api.auth.deps import require
from api.auth.schemas import AUTH_RESPONSES
from api.deps import RuntimeDep
from api.edge import EdgeRoute
from api.items.filters import ItemFiltersDep
from monitor.core.base import utcnow
from monitor.core.runtime import Runtime
from monitor.desk import queue
from monitor.desk.exports import CSV_COLUMNS, csv_row, item_record, label_records
from monitor.keys.principal import Principal
from monitor.reviews import repository as review_repository

router = APIRouter(
    prefix="/export", tags=["exports"], responses=AUTH_RESPONSES, route_class=EdgeRoute
)


def _stream_items(
    rt: Runtime, principal: Principal, filters: queue.ItemFilters, fmt: str
) -> Iterator[bytes]:
    # Why its own session: the stream outlives the request's unit of work; keyset batches
    # keep memory bounded for millions of rows on both databases.
    with rt.read_session() as session:
        if fmt == "csv":
            buf = io.StringIO()
            csv.writer(buf).writerow(CSV_COLUMNS)
            yield buf.getvalue().encode()
        for batch in queue.iter_all(session, principal, filters):
            regions = queue.regions_of(session, [p.id for p in batch])
            reviewed = review_repository.standing_review_labels(session, [p.id for p in batch])
            if fmt == "csv":
                buf = io.StringIO()
                writer = csv.writer(buf)
                for post in batch:
                    writer.writerow(csv_row(post, regions[post.id], reviewed.get(post.id)))
                yield buf.getvalue().encode()
            else:
                yield "".join(
                    json.dumps(
                        item_record(p, regions[p.id], reviewed.get(p.id)), ensure_ascii=False
                    )
                    + "\n"
                    for p in batch
                ).encode()


def _attachment(name: str) -> dict[str, str]:
    # "items.csv" -> waspada-items-<stamp>.csv: the extension stays last, so it opens right.
    stem, _, ext = name.rpartition(".")
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    return {"Content-Disposition": f'attachment; filename="waspada-{stem}-{stamp}.{ext}"'}


_CSV_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "CSV with a header row"}
}
_JSONL_DOC: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/jsonl": {}}, "description": "One JSON object per line"}
}


@router.get(
    "/items.csv",
    summary="Export items as CSV (same filters and scope as the queue)",
    response_class=StreamingResponse,
    responses=_CSV_DOC,
)
def export_items_csv(
    rt: RuntimeDep,
    filters: ItemFiltersDep,
    principal: Annotated[Principal, require("export_items")],
) -> StreamingResponse:
    """Stream every matching item as CSV; spreadsheet formulas in cells are neutralised."""
    return StreamingResponse(
        _stream_items(rt, principal, filters, "csv"),
        media_type="text/csv; charset=utf-8",
        headers=_attachment("items.csv"),
    )


@router.get(
    "/items.jsonl",
    summary="Export items as JSON lines (same filters and scope as the queue)",
    response_class=StreamingResponse,
    responses=_JSONL_DOC,
)
def export_items_jsonl(
    rt: RuntimeDep,
    filters: ItemFiltersDep,
    principal: Annotated[Principal, require("export_items")],
) -> StreamingResponse:
    """Stream every matching item as one JSON object per line."""
    return StreamingResponse(
        _stream_items(rt, principal, filters, "jsonl"),
        media_type="application/jsonl",
        headers=_attachment("items.jsonl"),
    )


def _stream_labels(
    rt: Runtime, principal: Principal, filters: queue.ItemFilters
) -> Iterator[bytes]:
    with rt.read_session() as session:
        for batch in queue.iter_all(session, principal, filters):
            yield "".join(
                json.dumps(r, ensure_ascii=False) + "\n" for r in label_records(session, batch)
            ).encode()


@router.get(
    "/labels.jsonl",
    summary="Human-reviewed items with their decided labels (training data)",
    response_class=StreamingResponse,
    responses=_JSONL_DOC,
)
def export_labels(
    rt: RuntimeDep,
    filters: ItemFiltersDep,
    principal: Annotated[Principal, require("export_labels")],
) -> StreamingResponse:
    """Stream every reviewed item: text, model labels and scores, the human decision."""
    reviewed = dataclasses.replace(filters, flagged_only=False, reviewed_only=True)
    return StreamingResponse(
        _stream_labels(rt, principal, reviewed),
        media_type="application/jsonl",
        headers=_attachment("labels.jsonl"),
    )
