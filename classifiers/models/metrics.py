"""Per-label metrics at the operating threshold and threshold selection for target precision."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, precision_recall_curve

from classifiers.contracts import LABELS

UNKNOWN = -1


def choose_threshold(y: np.ndarray, scores: np.ndarray, target: float) -> tuple[float, bool]:
    """Lowest threshold whose validation precision reaches `target` (else best F1); met?"""
    if y.sum() == 0 or y.sum() == len(y):
        return 0.5, False
    precision, recall, thresholds = precision_recall_curve(y, scores)
    # precision/recall have one more entry than thresholds (the final 1/0 point).
    ok = np.where((precision[:-1] >= target) & (recall[:-1] > 0))[0]
    if len(ok):
        return float(thresholds[ok[0]]), True
    f1 = 2 * precision[:-1] * recall[:-1] / np.maximum(precision[:-1] + recall[:-1], 1e-9)
    return float(thresholds[int(np.argmax(f1))]), False


def label_metrics(y: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, Any]:
    """Precision, recall, F1 at the threshold, PR-AUC, and counts, for one label."""
    pred = scores >= threshold
    tp = int((pred & (y == 1)).sum())
    fp = int((pred & (y == 0)).sum())
    fn = int((~pred & (y == 1)).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    both = 0 < y.sum() < len(y)
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f1, 4),
        "pr_auc": round(float(average_precision_score(y, scores)), 4) if both else None,
        "positives": int(y.sum()),
        "n": len(y),
        "flagged": int(pred.sum()),
    }


def evaluate_scores(
    Y: np.ndarray, scores: np.ndarray, thresholds: Sequence[float]
) -> dict[str, Any]:
    """Metrics per label over rows where that label is known, plus the any-label flag rate."""
    out: dict[str, Any] = {"labels": {}}
    for j, label in enumerate(LABELS):
        known = Y[:, j] != UNKNOWN
        if known.sum() == 0:
            continue
        out["labels"][label] = label_metrics(Y[known, j], scores[known, j], thresholds[j])
    flagged = (scores >= np.asarray(thresholds)).any(axis=1)
    out["n"] = len(Y)
    out["any_label_flag_rate"] = round(float(flagged.mean()), 4) if len(Y) else 0.0
    return out
