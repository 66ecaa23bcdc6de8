"""Geometry for the inline SVG trend chart (numbers only; the template draws it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

WIDTH = 640
HEIGHT = 220
PAD_LEFT = 40
PAD_RIGHT = 12
PAD_TOP = 12
PAD_BOTTOM = 28
# One colour per label, distinguishable for common colour-vision deficiencies (Okabe-Ito).
COLOURS: dict[str, str] = {
    "hoax": "#D55E00",
    "black_campaign": "#0072B2",
    "money_politics": "#009E73",
    "identity_politics": "#CC79A7",
    "flagged": "#E69F00",
    "confirmed": "#D55E00",
    "escalated": "#6A1B9A",
    "dismissed": "#7F7F7F",
}


@dataclass(frozen=True)
class Series:
    """One polyline: a label's daily counts."""

    name: str
    colour: str
    points: str
    total: int


@dataclass(frozen=True)
class Chart:
    """Everything the template needs to draw a trend chart."""

    width: int
    height: int
    days: list[date]
    series: list[Series]
    y_max: int
    y_ticks: list[tuple[float, int]] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    empty: bool = False


def _nice_max(value: int) -> int:
    if value <= 4:
        return 4
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 4:
            return step * ((value + step - 1) // step)
    return value


def trend_chart(days: Sequence[date], counts: Mapping[str, Mapping[date, int]]) -> Chart:
    """Lay out one polyline per series over the given days (missing days count as zero)."""
    days = list(days)
    peak = max((v for per in counts.values() for v in per.values()), default=0)
    y_max = _nice_max(int(peak))
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(i: int) -> float:
        return PAD_LEFT + (plot_w * i / (len(days) - 1) if len(days) > 1 else plot_w / 2)

    def y(v: int) -> float:
        return PAD_TOP + plot_h - (plot_h * v / y_max)

    series = []
    for name, per_day in counts.items():
        values = [int(per_day.get(d, 0)) for d in days]
        pts = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        series.append(Series(name, COLOURS.get(name, "#666666"), pts, sum(values)))
    y_ticks = [(y(v), v) for v in (0, y_max // 2, y_max)]
    step = max(1, len(days) // 6)
    x_ticks = [(x(i), d.strftime("%d/%m")) for i, d in enumerate(days) if i % step == 0]
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        days=days,
        series=series,
        y_max=y_max,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        empty=peak == 0,
    )
