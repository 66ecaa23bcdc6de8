"""`GET /ui/map`: a tile map of provinces coloured by vulnerability score (SVG, no script)."""

from __future__ import annotations

from pathlib import Path as FsPath
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.auth.deps import require
from api.deps import SessionDep
from api.regions.endpoints import MAX_DAYS, period_of
from api.regions.tiles import NO_DATA, PALETTE, TILES
from api.web import auth as webauth
from api.web.rendering import add_template_dir, render, request_lang, secure
from api.web.rendering import env as web_env
from monitor.alerts import repository as alert_repository
from monitor.desk import figures
from monitor.keys.principal import Principal

router = APIRouter(tags=["regions"], include_in_schema=False)
TILE = 56
GAP = 4
# The page extends the review UI's base.html (nav, language switch, logout, headers).
add_template_dir(FsPath(__file__).with_name("templates"))
# Labels on the two darkest classes are drawn white so they stay readable.
_DARK = frozenset(PALETTE[-2:])

TEXT: dict[str, dict[str, str]] = {
    "id": {
        "title": "Peta kerawanan provinsi",
        "days": "hari",
        "score": "skor",
        "flagged_of": "ditandai dari",
        "posts": "unggahan",
        "alerts": "peringatan terbuka",
        "outside": "di luar wilayah Anda",
        "caption": "Skor: temuan terkonfirmasi per 1.000 unggahan (dibobot IKP bila diimpor).",
        "legend": "rendah → tinggi; abu-abu: tanpa data atau di luar wilayah Anda; "
        "bingkai hitam dan \u201c!\u201d: ada peringatan terbuka.",
        "rank": "#",
        "code": "Kode",
        "province": "Provinsi",
        "col_score": "Skor",
        "col_flagged": "Ditandai",
        "col_alerts": "Peringatan",
        "col_volume": "Volume",
        "empty": "Belum ada temuan pada periode ini.",
        "open_alerts": "Peringatan yang belum selesai",
        "no_alerts": "Tidak ada peringatan terbuka.",
        "col_time": "Jendela",
        "col_rule": "Aturan",
        "col_region": "Wilayah",
        "col_label": "Label",
        "col_summary": "Ringkasan",
        "col_status": "Status",
    },
    "en": {
        "title": "Province vulnerability map",
        "days": "days",
        "score": "score",
        "flagged_of": "flagged of",
        "posts": "posts",
        "alerts": "open alert(s)",
        "outside": "outside your regions",
        "caption": "Score: confirmed flags per 1,000 collected posts "
        "(IKP-weighted where imported).",
        "legend": "low → high; grey: no data or outside your regions; "
        "black border and \u201c!\u201d: open alerts.",
        "rank": "#",
        "code": "Code",
        "province": "Province",
        "col_score": "Score",
        "col_flagged": "Flagged",
        "col_alerts": "Alerts",
        "col_volume": "Volume",
        "empty": "No findings in this period yet.",
        "open_alerts": "Unresolved alerts",
        "no_alerts": "No open alerts.",
        "col_time": "Window",
        "col_rule": "Rule",
        "col_region": "Region",
        "col_label": "Label",
        "col_summary": "Summary",
        "col_status": "Status",
    },
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
    recent = alert_repository.list_alerts(
        session, principal, status=None, region=None, rule=None, limit=50, before_id=None
    )
    alerts = [a for a in recent if a.status != "resolved" and a.window_end > p.since]
    ctx = {
        "map": tile_map(rows),
        "days": days,
        "ranked": ranked,
        "alerts": alerts,
        "m": TEXT[lang],
    }
    if partial:
        html = web_env.get_template("_map.html").render(**ctx)
        return secure(HTMLResponse(html))
    found = webauth.current(request, session)
    # A browser session has a CSRF token for the logout form; an API-key caller has none.
    csrf = found[1].csrf if found is not None else None
    return render(request, "map.html", {"active": "map", **ctx}, principal=principal, csrf=csrf)
