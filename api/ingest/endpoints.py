"""POST /api/v1/ingest: a batch of posts through the same validation and ingest as files."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth.deps import require
from api.deps import SessionDep
from api.edge import EdgeRoute
from monitor.core.errors import Invalid
from monitor.flows import arrival
from monitor.keys.principal import Principal
from monitor.posts import service
from monitor.posts.schemas import IngestBatch, IngestReport
from monitor.sources import repository as sources_repo

router = APIRouter(tags=["ingest"], route_class=EdgeRoute)


@router.post(
    "/ingest",
    response_model=IngestReport,
    summary="Store a batch of up to 1,000 posts; invalid items are listed, valid ones stored",
)
def ingest(
    batch: IngestBatch, session: SessionDep, principal: Principal = require("ingest")
) -> IngestReport:
    """Validate each post, store the valid ones once, and report per-item rejections."""
    source_id: int | None = None
    language: str | None = None
    if batch.source:
        row = sources_repo.by_name(session, batch.source)
        if row is None:
            raise Invalid("error.no_source", name=repr(batch.source))
        source_id = row.id
        language = (row.config or {}).get("language")
    good, rejected = service.validate(batch.posts)
    # The source's default region is applied by region tagging (it reads the source).
    outcome = arrival.arrive(
        session,
        good,
        source_id=source_id,
        default_language=language,
        scorer=arrival.loaded_scorer(),
    )
    report = outcome.report
    report.received = len(batch.posts)
    report.rejected = rejected
    return report
