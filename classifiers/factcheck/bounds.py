"""The re-ranker's upper bound for every text of a batch at once (see `Reranker.upper_bound`).

Why: `match` skips the exact re-ranking of a text whose bound is under its threshold, which
is 97 % of tweets; computing that bound text by text was about fifteen small numpy calls per
post. Here every candidate pair of the batch is one row of one feature matrix, and the
per-text parts (the gap to the best other debunk, the maximum) are grouped reductions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from classifiers.factcheck.index import PAIR_FEATURES, Candidates, FactCheckIndex
from classifiers.factcheck.rerank import _BOUNDED, FEATURES, MIN_ROWS_FOR_RARE, Reranker


def batch_upper_bounds(
    reranker: Reranker,
    index: FactCheckIndex,
    tokens: Sequence[int],
    candidates: Sequence[Candidates],
    chance: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> np.ndarray:
    """Return each text's bound, as `upper_bound` gives it (0 for texts with no pairs).

    `tokens`: each text's normalised length in words; `chance`: the batch's
    `FactCheckMatcher._chance` (pair bounds, evidence, missing, rare, share), whose pairs are
    each text's first `bounds[i+1] - bounds[i]` candidate rows, grouped by text in order.
    """
    bounds, evidence, missing, rare, share = chance
    used = np.diff(bounds)
    out = np.zeros(len(candidates))
    texts = np.flatnonzero(used)
    if len(texts) == 0:
        return out
    picked = [(candidates[i], int(used[i])) for i in texts.tolist()]
    pair_text = np.repeat(np.arange(len(candidates)), used)
    rows = np.concatenate([c.rows[:n] for c, n in picked])
    entries = np.concatenate([c.entries[:n] for c, n in picked])
    X = np.zeros((len(rows), len(FEATURES)))
    col = len(PAIR_FEATURES)
    X[:, :col] = np.concatenate([c.features[:n] for c, n in picked])
    words = index.row_word_counts()[rows]
    if max(index.n_rows, 1) >= MIN_ROWS_FOR_RARE:
        X[:, col + 2] = np.minimum(5, rare)
    text_words = np.asarray(tokens, dtype=np.float64)[pair_text]
    X[:, col + 5] = np.log((text_words + 1) / (words + 1))
    X[:, col + 6] = np.log(words + 1)
    X[:, col + 9] = evidence
    X[:, col + 10] = missing
    starts = bounds[texts]
    _batch_gap(X, entries, starts, FEATURES.index("cos_char"))
    weight = np.asarray(reranker.coef) / np.asarray(reranker.scale)
    for name, (low, high) in _BOUNDED.items():
        j = FEATURES.index(name)
        X[:, j] = high if weight[j] > 0 else low
    for name in ("window_cover", "window_cover_gap"):
        j = FEATURES.index(name)
        X[:, j] = share if weight[j] > 0 else X[:, j]
    out[texts] = np.maximum.reduceat(reranker.probability(X), starts)
    return out


def _batch_gap(X: np.ndarray, entries: np.ndarray, starts: np.ndarray, j: int) -> None:
    # Per pair: its value minus the best value of ANOTHER debunk among the same text's pairs
    # (0 when there is none), which is `rerank._gap` for every text at once.
    values = X[:, j]
    best = np.maximum.reduceat(values, starts)
    group = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(values))))
    position = np.arange(len(values))
    first_best = np.minimum.reduceat(np.where(values == best[group], position, len(values)), starts)
    best_entry = entries[first_best]
    other = entries != best_entry[group]
    runner_up = np.maximum.reduceat(np.where(other, values, -np.inf), starts)
    best_other = np.where(other, best[group], runner_up[group])
    X[:, FEATURES.index(f"{FEATURES[j]}_gap")] = values - np.where(
        np.isfinite(best_other), best_other, 0.0
    )
