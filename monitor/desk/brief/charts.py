"""Server-side SVG trend charts for the brief (no script: prints and renders in PDF)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from html import escape

WIDTH, HEIGHT = 300, 110
PAD_L, PAD_R, PAD_T, PAD_B = 26, 6, 8, 18
# Okabe-Ito colours, as on the liaison page (distinguishable for colour-vision deficiencies).
COLOURS = {
    "hoax": "#D55E00",
    "black_campaign": "#0072B2",
    "money_politics": "#009E73",
    "identity_politics": "#CC79A7",
}


def _nice(peak: int) -> int:
    for top in (2, 4, 5, 10, 20, 25, 50, 100, 200, 500, 1000):
        if peak <= top:
            return top
    return peak


def bars(days: Sequence[date], per_day: Mapping[date, int], label: str, title: str) -> str:
    """One label's daily counts as an SVG bar chart with its title for screen readers."""
    top = _nice(max((per_day.get(d, 0) for d in days), default=0))
    plot_w, plot_h = WIDTH - PAD_L - PAD_R, HEIGHT - PAD_T - PAD_B
    step = plot_w / max(len(days), 1)
    colour = COLOURS.get(label, "#555555")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img"><title>{escape(title)}</title>',
        f'<line x1="{PAD_L}" y1="{PAD_T + plot_h}" x2="{WIDTH - PAD_R}" y2="{PAD_T + plot_h}" '
        'stroke="#444" stroke-width="1"/>',
        f'<text x="{PAD_L - 4}" y="{PAD_T + 8}" font-size="9" text-anchor="end">{top}</text>',
        f'<text x="{PAD_L - 4}" y="{PAD_T + plot_h}" font-size="9" text-anchor="end">0</text>',
    ]
    every = max(1, len(days) // 7)
    for i, d in enumerate(days):
        v = per_day.get(d, 0)
        h = plot_h * v / top
        x = PAD_L + i * step
        if v:
            width = max(step - 2, 1)
            parts.append(
                f'<rect x="{x + 1:.1f}" y="{PAD_T + plot_h - h:.1f}" width="{width:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{d:%d/%m}: {v}</title></rect>'
            )
        if i % every == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{HEIGHT - 5}" font-size="8" '
                f'text-anchor="middle">{d:%d/%m}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
