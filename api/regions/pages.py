"""`GET /ui/map`: a tile map of provinces coloured by vulnerability score (SVG, no script)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.auth.deps import require
from api.deps import SessionDep
from api.edge import EdgeRoute
from api.regions.endpoints import MAX_DAYS, period_of
from api.regions.tiles import NO_DATA, PALETTE, TILES
from api.web import auth as webauth
from api.web.rendering import env as web_env
from api.web.rendering import render, request_lang, secure
from monitor.alerts import repository as alert_repository
from monitor.alerts.models import Alert
from monitor.core.i18n import keys, translate
from monitor.core.localtime import common_zone, local, local_text
from monitor.desk import figures
from monitor.keys.principal import Principal

router = APIRouter(tags=["regions"], include_in_schema=False, route_class=EdgeRoute)
TILE = 56
GAP = 4
# Labels on the two darkest classes are drawn white so they stay readable.
_DARK = frozenset(PALETTE[-2:])


def map_text(lang: str) -> dict[str, str]:
    """The map's strings from the one table, as `m.<name>` (the tile loop's `t` hides t())."""
    return {
        key.removeprefix("map."): translate(lang, key) for key in keys() if key.startswith("map.")
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
                "ink": "#fff" if fill in _DARK else "#111",
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


def _alert_row(alert: Alert, lang: str) -> dict[str, Any]:
    # People read names, translated rules and labels, and local time (WIB/WITA/WIT).
    return {
        "id": alert.id,
        "when": local(alert.window_start, alert.region_code),
        "rule": translate(lang, f"rule.{alert.rule}"),
        "region": alert.payload.get("region_name") or alert.region_code or "—",
        "label": translate(lang, f"label.{alert.label}") if alert.label else "—",
        "summary": alert.summary,
        "status": translate(lang, f"alertstatus.{alert.status}"),
    }


@router.get("/ui/map", response_class=HTMLResponse)
def map_page(
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, require("read_regions")],
    days: Annotated[int, Query(ge=1, le=MAX_DAYS)] = 30,
    partial: Annotated[bool, Query(description="Only the SVG block, for embedding")] = False,
) -> Response:
    """Render the province tile map for the caller's regions (others drawn grey, unnamed)."""
    p = period_of(days, None, None)
    rows = figures.ranking(session, principal, "province", p)
    # Listed: anything with confirmed flags, open alerts or fresh flags, in ranking order.
    ranked = [r for r in rows if r["score"] > 0 or r["open_alerts"] or r["flagged"]]
    lang = request_lang(request)
    zone = common_zone(principal.regions)
    recent = alert_repository.list_alerts(
        session, principal, status=None, region=None, rule=None, limit=50, before_id=None
    )
    alerts = [
        _alert_row(a, lang) for a in recent if a.status != "resolved" and a.window_end > p.since
    ]
    ctx = {
        "map": tile_map(rows),
        "days": days,
        # A national map has no one region: the caller's regions pick the zone when they share
        # one; a scope across zones (or none) reads national time, WIB.
        "period": f"{local_text(p.since, zone)} – {local_text(p.until, zone)}",
        "ranked": ranked,
        "alerts": alerts,
        "m": map_text(lang),
    }
    if partial:
        html = web_env.get_template("_map.html").render(**ctx)
        return secure(HTMLResponse(html))
    found = webauth.current(request, session)
    # A browser session has a CSRF token for the logout form; an API-key caller has none.
    csrf = found[1].csrf if found is not None else None
    return render(request, "map.html", {"active": "map", **ctx}, principal=principal, csrf=csrf)
