"""Score-distribution profiles and shift statistics (PSI, binned KS) for drift watch.

A model card keeps a profile of its validation scores per label (bin edges, the share of
scores in each bin, the flag rate at the operating threshold); the drift job profiles a
day of production scores on the same bins and compares.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from classifiers.contracts import LABELS

N_BINS = 10
# Empty bins would make PSI infinite; this floor is the usual smoothing.
EPSILON = 1e-4


def bin_edges(reference: np.ndarray, n_bins: int = N_BINS) -> list[float]:
    """Inner bin edges at the reference's quantiles (duplicates dropped; scores are in [0, 1])."""
    if len(reference) == 0:
        return [i / n_bins for i in range(1, n_bins)]
    qs = np.quantile(reference, np.linspace(0, 1, n_bins + 1)[1:-1])
    edges = sorted({round(float(q), 6) for q in qs} - {0.0, 1.0})
    # A reference piled up at one value still needs at least one edge to compare against.
    return edges or [0.5]


def proportions(scores: np.ndarray, edges: Sequence[float]) -> list[float]:
    """Share of scores in each bin (len(edges) + 1 bins: below the first edge ... above last)."""
    if len(scores) == 0:
        return [0.0] * (len(edges) + 1)
    idx = np.searchsorted(np.asarray(edges, dtype=float), scores, side="right")
    counts = np.bincount(idx, minlength=len(edges) + 1)
    return [round(float(c) / len(scores), 6) for c in counts]


def smoothed(shares: Sequence[float], n: int) -> list[float]:
    """Bin shares of `n` items with half an item added to every bin (Jeffreys smoothing).

    A small day leaves bins empty by chance; unsmoothed, each empty bin adds about 0.7 to
    PSI, so 20 posts would always look shifted.
    """
    k = len(shares)
    return [(float(x) * n + 0.5) / (n + 0.5 * k) for x in shares] if k else []


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """Population stability index of `actual` against `expected` bin shares."""
    e = np.maximum(np.asarray(expected, dtype=float), EPSILON)
    a = np.maximum(np.asarray(actual, dtype=float), EPSILON)
    return float(np.sum((a - e) * np.log(a / e)))


def ks_binned(expected: Sequence[float], actual: Sequence[float]) -> float:
    """Largest gap between the two cumulative bin shares (KS statistic on the bins)."""
    e = np.cumsum(np.asarray(expected, dtype=float))
    a = np.cumsum(np.asarray(actual, dtype=float))
    return float(np.max(np.abs(e - a))) if len(e) else 0.0


def score_profile(
    scores: np.ndarray, thresholds: Mapping[str, float], labels: Sequence[str] = LABELS
) -> dict[str, Any]:
    """Profile (n, per-label edges, bin shares and flag rate) of an (n, labels) score matrix."""
    out: dict[str, Any] = {"n": int(scores.shape[0]), "labels": {}}
    for j, label in enumerate(labels):
        col = scores[:, j] if scores.shape[0] else np.zeros(0)
        edges = bin_edges(col)
        out["labels"][label] = {
            "edges": edges,
            "proportions": proportions(col, edges),
            "flag_rate": round(float((col >= thresholds[label]).mean()), 6) if len(col) else 0.0,
            "mean": round(float(col.mean()), 6) if len(col) else 0.0,
        }
    return out
