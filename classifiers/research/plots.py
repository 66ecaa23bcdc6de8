"""Matplotlib figures for the notebooks (Figure objects: no pyplot, any backend works)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from classifiers.contracts import LABELS
from classifiers.data.corpus import Example
from classifiers.models.loaded import LoadedClassifier
from classifiers.research.compare import pr_curve

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _figure(width: float, height: float) -> Figure:
    try:
        from matplotlib.figure import Figure
    except ImportError:  # matplotlib is an optional (research/test) dependency
        raise RuntimeError(
            "plots need matplotlib: python3 -m pip install -e '.[research]'"
        ) from None
    return Figure(figsize=(width, height), layout="constrained")


def volume_figure(volume: Mapping[str, Mapping[str, int]], title: str) -> Figure:
    """Lines of daily counts, one per group ({group: {day: count}})."""
    days = sorted({d for counts in volume.values() for d in counts})
    fig = _figure(9, 3.5)
    ax = fig.subplots()
    for group, counts in volume.items():
        ax.plot(days, [counts.get(d, 0) for d in days], marker="o", label=group)
    ax.set_title(title)
    ax.set_xlabel("day (UTC)")
    ax.set_ylabel("posts")
    ax.tick_params(axis="x", labelrotation=45)
    if volume:
        ax.legend(fontsize="small", ncols=2)
    return fig


def bar_figure(counts: Mapping[str, int], title: str) -> Figure:
    """Horizontal bars for a {category: count} mapping."""
    fig = _figure(7, 0.4 * max(3, len(counts)) + 1)
    ax = fig.subplots()
    names = list(counts)[::-1]
    ax.barh(names, [counts[n] for n in names])
    ax.set_title(title)
    return fig


def pr_figure(models: Sequence[LoadedClassifier], examples: Sequence[Example]) -> Figure:
    """Precision-recall curve per label for each model, the operating point marked."""
    fig = _figure(12, 3.2)
    axes: Any = fig.subplots(1, len(LABELS), sharey=True)
    for ax, label in zip(axes, LABELS, strict=True):
        ax.set_title(label)
        ax.set_xlabel("recall")
        for model in models:
            curve = pr_curve(model, examples, label)
            if curve is None:
                continue
            precision, recall, (op_p, op_r) = curve
            (line,) = ax.plot(recall, precision, label=model.version)
            ax.plot([op_r], [op_p], marker="o", color=line.get_color())  # operating point
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
    axes[0].set_ylabel("precision")
    axes[0].legend(fontsize="small")
    return fig


def sweep_figure(sweeps: Mapping[str, Sequence[Mapping[str, Any]]]) -> Figure:
    """Precision, recall and flag rate against threshold, one panel per label."""
    fig = _figure(12, 3.2)
    axes: Any = fig.subplots(1, max(1, len(sweeps)), sharey=True, squeeze=False)[0]
    for ax, (label, rows) in zip(axes, sweeps.items(), strict=False):
        xs = [r["threshold"] for r in rows]
        for metric in ("precision", "recall", "flag_rate"):
            ax.plot(xs, [r[metric] for r in rows], marker=".", label=metric)
        for r in rows:
            if r["operating"]:
                ax.axvline(r["threshold"], linestyle="--", color="grey")
        ax.set_title(label)
        ax.set_xlabel("threshold")
    axes[0].legend(fontsize="small")
    return fig
