"""Every router the service mounts, in one list."""

from __future__ import annotations

from fastapi import APIRouter

from api.alerts.endpoints import router as alerts_router
from api.apidocs.endpoints import router as apidocs_router
from api.clusters.endpoints import router as clusters_router
from api.exports.endpoints import router as exports_router
from api.health.endpoints import router as health_router
from api.ingest.endpoints import router as ingest_router
from api.items.endpoints import router as items_router
from api.regions.brief import router as brief_router
from api.regions.endpoints import router as regions_router
from api.regions.pages import router as regions_pages_router
from api.sources.endpoints import router as sources_router
from api.stats.endpoints import router as stats_router
from api.web.liaison_page import router as web_liaison_router
from api.web.login import router as web_login_router
from api.web.review import router as web_review_router

# Routers under /api/v1, one per domain; each domain adds its line here.
V1_ROUTERS: list[APIRouter] = [
    ingest_router,
    sources_router,
    items_router,
    clusters_router,
    stats_router,
    exports_router,
    regions_router,
    brief_router,
    alerts_router,
]

# Routers at the root: health probes, the offline API docs and the web pages (login, review,
# liaison, map).
ROOT_ROUTERS: list[APIRouter] = [
    health_router,
    apidocs_router,
    web_login_router,
    web_review_router,
    web_liaison_router,
    regions_pages_router,
]
