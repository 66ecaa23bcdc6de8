"""Comparing model versions on the same rows: per label, per region, curves, disagreements."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import precision_recall_curve

from classifiers.contracts import LABELS
from classifiers.data.corpus import UNKNOWN, Example
from classifiers.models.loaded import LoadedClassifier
from classifiers.models.metrics import evaluate_scores, label_metrics
from classifiers.research.data import region_of

Row = dict[str, Any]


def label_matrix(examples: Sequence[Example]) -> np.ndarray:
    """(n, labels) matrix of 1 / 0 / UNKNOWN."""
    return np.array([ex.row() for ex in examples], dtype=int).reshape(-1, len(LABELS))


def _pair(
    a: LoadedClassifier, b: LoadedClassifier, examples: Sequence[Example]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    texts = [ex.text for ex in examples]
    return label_matrix(examples), a.scores(texts), b.scores(texts)


def _names(a: LoadedClassifier, b: LoadedClassifier) -> tuple[str, str]:
    # Two unregistered models would otherwise share a column name.
    return ("A", "B") if a.version == b.version else (a.version, b.version)


def _compare_rows(
    Y: np.ndarray, sa: np.ndarray, sb: np.ndarray, ta: np.ndarray, tb: np.ndarray, extra: Row
) -> list[Row]:
    ea = evaluate_scores(Y, sa, list(ta))["labels"]
    eb = evaluate_scores(Y, sb, list(tb))["labels"]
    rows = []
    for label in LABELS:
        if label not in ea:
            continue
        ma, mb = ea[label], eb[label]
        rows.append(
            {
                **extra,
                "label": label,
                "n": ma["n"],
                "positives": ma["positives"],
                "precision_a": ma["precision"],
                "precision_b": mb["precision"],
                "precision_delta": round(mb["precision"] - ma["precision"], 4),
                "recall_a": ma["recall"],
                "recall_b": mb["recall"],
                "f1_a": ma["f1"],
                "f1_b": mb["f1"],
                "pr_auc_a": ma["pr_auc"],
                "pr_auc_b": mb["pr_auc"],
                "flagged_a": ma["flagged"],
                "flagged_b": mb["flagged"],
            }
        )
    return rows


def comparison(a: LoadedClassifier, b: LoadedClassifier, examples: Sequence[Example]) -> list[Row]:
    """Per label: both versions' metrics at their own thresholds on the same rows (b - a)."""
    Y, sa, sb = _pair(a, b, examples)
    return _compare_rows(Y, sa, sb, a.thresholds, b.thresholds, {})


def comparison_by_region(
    a: LoadedClassifier,
    b: LoadedClassifier,
    examples: Sequence[Example],
    names: dict[str, str] | None = None,
) -> list[Row]:
    """Per region and label (region: the post's province, or the public data's own group)."""
    Y, sa, sb = _pair(a, b, examples)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, ex in enumerate(examples):
        groups[region_of(ex)].append(i)
    rows: list[Row] = []
    for region in sorted(groups):
        idx = np.array(groups[region])
        name = (names or {}).get(region, region)
        extra = {"region": name}
        rows += _compare_rows(Y[idx], sa[idx], sb[idx], a.thresholds, b.thresholds, extra)
    return rows


def disagreements(
    a: LoadedClassifier, b: LoadedClassifier, examples: Sequence[Example], limit: int = 20
) -> list[Row]:
    """Rows where one version flags a label and the other does not, largest score gap first."""
    Y, sa, sb = _pair(a, b, examples)
    fa, fb = sa >= a.thresholds, sb >= b.thresholds
    out = []
    for i, j in zip(*np.nonzero(fa != fb), strict=True):
        truth = int(Y[i, j])
        out.append(
            {
                "label": LABELS[j],
                "text": examples[i].text,
                "region": region_of(examples[i]),
                "source": examples[i].source,
                "truth": "unknown" if truth == UNKNOWN else truth,
                "score_a": round(float(sa[i, j]), 4),
                "score_b": round(float(sb[i, j]), 4),
                "flagged_by": "b" if fb[i, j] else "a",
                "right": "?" if truth == UNKNOWN else ("b" if fb[i, j] == bool(truth) else "a"),
            }
        )
    out.sort(key=lambda r: -abs(r["score_b"] - r["score_a"]))
    return out[:limit]


def pr_curve(
    clf: LoadedClassifier, examples: Sequence[Example], label: str
) -> tuple[np.ndarray, np.ndarray, tuple[float, float]] | None:
    """(precision, recall, operating (precision, recall)) for a label; None if one class."""
    j = LABELS.index(label)
    Y = label_matrix(examples)
    known = Y[:, j] != UNKNOWN
    y = Y[known, j]
    if not 0 < y.sum() < len(y):
        return None
    scores = clf.scores([ex.text for ex, k in zip(examples, known, strict=True) if k])[:, j]
    precision, recall, _ = precision_recall_curve(y, scores)
    at = label_metrics(y, scores, float(clf.thresholds[j]))
    return precision, recall, (at["precision"], at["recall"])


def threshold_sweep(
    clf: LoadedClassifier,
    examples: Sequence[Example],
    label: str,
    thresholds: Sequence[float] = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9),
) -> list[Row]:
    """Precision, recall and flag rate for one label at each candidate threshold."""
    j = LABELS.index(label)
    Y = label_matrix(examples)
    known = Y[:, j] != UNKNOWN
    scores = clf.scores([ex.text for ex in examples])[:, j]
    rows = []
    for t in [*thresholds, float(clf.thresholds[j])]:
        m = label_metrics(Y[known, j], scores[known], t)
        rows.append(
            {
                "threshold": round(float(t), 4),
                "operating": t == float(clf.thresholds[j]),
                "precision": m["precision"],
                "recall": m["recall"],
                "f1": m["f1"],
                "flag_rate": round(float((scores >= t).mean()), 4) if len(scores) else 0.0,
            }
        )
    rows.sort(key=lambda r: r["threshold"])
    return rows


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return "-" if value is None else str(value)


def format_table(rows: Sequence[Row], columns: Sequence[str] | None = None, width: int = 60) -> str:
    """Render rows as a fixed-width text table (long cells cut to `width`)."""
    if not rows:
        return "(no rows)"
    cols = list(columns or rows[0].keys())
    cells = [[_cell(r.get(c))[:width] for c in cols] for r in rows]
    widths = [max(len(c), *(len(line[i]) for line in cells)) for i, c in enumerate(cols)]
    fmt: Callable[[Sequence[str]], str] = lambda vals: "  ".join(  # noqa: E731
        v.ljust(w) for v, w in zip(vals, widths, strict=True)
    ).rstrip()
    return "\n".join([fmt(cols), fmt(["-" * w for w in widths]), *(fmt(c) for c in cells)])
