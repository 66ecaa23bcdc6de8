"""Narrative clusters: list, detail, and reverting a cluster-wide decision."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from api.auth.deps import require
from api.auth.schemas import AUTH_RESPONSES
from api.deps import SessionDep
from api.edge import EdgeRoute
from api.items.endpoints import review_errors
from monitor.core.errors import NotFound
from monitor.desk import clusterviews
from monitor.desk.clusterviews import ClusterDetail, ClusterPage
from monitor.keys.principal import Principal
from monitor.reviews import service as reviews

router = APIRouter(
    prefix="/clusters", tags=["clusters"], responses=AUTH_RESPONSES, route_class=EdgeRoute
)
ClusterId = Annotated[int, Path(ge=1, le=2**31 - 1)]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such cluster within your scope (problem details)"}
}


@router.get("", summary="Clusters with at least one item in your scope", response_model=ClusterPage)
def list_clusters(
    session: SessionDep,
    principal: Annotated[Principal, require("read_clusters")],
    cursor: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ClusterPage:
    """List clusters, newest first; pass `next_cursor` as `cursor` for the next page."""
    return clusterviews.list_clusters(session, principal, cursor, limit)


@router.get(
    "/{cluster_id}",
    summary="One cluster and its copies",
    response_model=ClusterDetail,
    responses=_NOT_FOUND,
)
def get_cluster(
    cluster_id: ClusterId,
    session: SessionDep,
    principal: Annotated[Principal, require("read_clusters")],
) -> ClusterDetail:
    """Return the cluster's statistics and up to 100 copies you may see."""
    found = clusterviews.cluster_detail(session, principal, cluster_id)
    if found is None:
        raise NotFound("error.no_cluster")
    return found


@router.delete(
    "/{cluster_id}/decision",
    summary="Revert a cluster-wide decision",
    responses=_NOT_FOUND,
)
def revert_cluster_decision(
    cluster_id: ClusterId,
    session: SessionDep,
    principal: Annotated[Principal, require("review")],
) -> dict[str, int]:
    """Copies that inherited the decision return to the queue; their own decisions stay."""
    if clusterviews.cluster_detail(session, principal, cluster_id, limit=0) is None:
        raise NotFound("error.no_cluster")
    with review_errors(session):
        return {"reverted": reviews.revert_cluster(session, principal, cluster_id)}
