"""`GET /ui/map`: a tile map of provinces coloured by vulnerability score (SVG, no script)."""

from __future__ import annotations

from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.auth.deps import require
from api.deps import SessionDep
from api.regions.endpoints import MAX_DAYS, period_of
from api.regions.tiles import NO_DATA, PALETTE, TILES
from monitor.keys.principal import Principal
from monitor.regions import figures

router = APIRouter(tags=["regions"], include_in_schema=False)
TILE = 56
GAP = 4
_env = Environment(
    loader=FileSystemLoader(FsPath(__file__).with_name("templates")),
    autoescape=select_autoescape(default=True, default_for_string=True),
)
# Same headers as the other pages: no script, no inline style, never framed.
_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def tile_map(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Lay out the province tiles with a colour per score (quantile classes of >0 scores)."""
    by_code = {r["code"]: r for r in rows}
    scores = sorted(r["score"] for r in rows if r["score"] > 0)
    tiles = []
    for code, (col, row, short) in TILES.items():
        r = by_code.get(code)
        fill = NO_DATA
        if r is not None and r["score"] > 0 and scores:
            rank = sum(1 for s in scores if s <= r["score"]) / len(scores)
            fill = PALETTE[min(len(PALETTE) - 1, int(rank * len(PALETTE) - 1e-9))]
        elif r is not None:
            fill = PALETTE[0] if r["volume"] else NO_DATA
        tiles.append(
            {
                "code": code,
                "short": short,
                "x": col * (TILE + GAP),
                "y": row * (TILE + GAP),
                "fill": fill,
                "visible": r is not None,
                "name": r["name"] if r else code,
                "score": r["score"] if r else None,
                "volume": r["volume"] if r else None,
                "flagged": r["flagged"] if r else None,
                "alerts": r["open_alerts"] if r else 0,
            }
        )
    width = (max(c for c, _, _ in TILES.values()) + 1) * (TILE + GAP)
    height = (max(rw for _, rw, _ in TILES.values()) + 1) * (TILE + GAP)
    return {"tiles": tiles, "width": width, "height": height, "size": TILE, "palette": PALETTE}


@router.get("/ui/map", response_class=HTMLResponse)
def map_page(
    session: SessionDep,
    principal: Annotated[Principal, require("read_regions")],
    days: Annotated[int, Query(ge=1, le=MAX_DAYS)] = 30,
    partial: Annotated[bool, Query(description="Only the SVG block, for embedding")] = False,
) -> HTMLResponse:
    """Render the province tile map for the caller's regions (others drawn grey, unnamed)."""
    p = period_of(days, None, None)
    rows = figures.ranking(session, principal, "province", p)
    # Listed: anything with confirmed flags, open alerts or fresh flags, in ranking order.
    ranked = [r for r in rows if r["score"] > 0 or r["open_alerts"] or r["flagged"]]
    ctx = {"map": tile_map(rows), "days": days, "ranked": ranked}
    template = "_map.html" if partial else "map.html"
    return HTMLResponse(_env.get_template(template).render(**ctx), headers=_HEADERS)
