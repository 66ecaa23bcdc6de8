"""`/docs`: Swagger UI from the `fastapi-offline` package's files, never from a CDN.

Why: FastAPI's default page loads its JavaScript and CSS from jsdelivr, so on a desk
without internet (or behind a proxy that blocks CDNs) `/docs` was a blank page.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles

from api.edge import EdgeRoute

ASSETS = Path(fastapi_offline.__file__).with_name("static")
ASSET_PREFIX = "/docs/assets"
# The init script is ours (no inline script, so the page keeps a strict CSP); Swagger UI
# sets inline style attributes, hence 'unsafe-inline' for styles on this page only.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
INIT_JS = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null
  });
});
"""

router = APIRouter(include_in_schema=False, route_class=EdgeRoute)


def _page(title: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="icon" type="image/png" href="{ASSET_PREFIX}/favicon.png">
<link rel="stylesheet" href="{ASSET_PREFIX}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSET_PREFIX}/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
"""


@router.get("/docs", response_class=HTMLResponse)
def docs_page() -> HTMLResponse:
    """Serve the Swagger UI page; every asset it loads comes from this server."""
    return HTMLResponse(_page("Waspada API"), headers={"Content-Security-Policy": CSP})


@router.get("/docs/init.js", response_class=PlainTextResponse)
def docs_init() -> PlainTextResponse:
    """Start Swagger UI on this server's OpenAPI document."""
    return PlainTextResponse(INIT_JS, media_type="application/javascript")


def install(app: FastAPI) -> None:
    """Mount the docs page's assets (the page is in ROOT_ROUTERS; FastAPI's own is off)."""
    app.mount(ASSET_PREFIX, StaticFiles(directory=ASSETS), name="docs-assets")
