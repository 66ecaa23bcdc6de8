"""The re-ranker: readable pair features over index candidates, combined by a logistic model.

Weights are plain JSON (`reranker.json`, written by `waspada factchecks evaluate --write`),
so loading them executes nothing and a reviewer can read what each feature weighs.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.factcheck.index import PAIR_FEATURES, Candidates, FactCheckIndex, RowArrays
from classifiers.factcheck.overlap import words_present

# What each feature says, in the words the explanation and docs/factchecks.md use.
FEATURE_HELP: dict[str, str] = {
    "cos_char": "character n-gram cosine (rare n-grams weigh more)",
    "cos_word": "word and word-pair cosine",
    "cover_char": "share of the debunk's character n-grams found in the text",
    "cover_word": "share of the debunk's words found in the text (rare words weigh more)",
    "covered_char": "share of the text's character n-grams found in the debunk",
    "covered_word": "share of the text's words found in the debunk",
    "window_cover": "share of the debunk's words found together in one passage of the text",
    "bigram_cover": "share of the debunk's word pairs found in the same order",
    "rare_shared": "shared words that are rare among debunks (names, places), up to 5",
    "number_shared": "share of the debunk's numbers found in the text",
    "number_missing": "the debunk has numbers and the text has none of them",
    "log_len_ratio": "log of text length over debunk length, in words",
    "debunk_words": "log of the debunk's length in words (short titles match by chance)",
    "cos_char_gap": "character cosine minus the best other candidate's",
    "window_cover_gap": "passage cover minus the best other candidate's",
    "chance_evidence": "how unlikely the shared debunk words are to meet in a text this long "
    "by chance",
    "chance_missing": "how unlikely the debunk words the text lacks are to be missing by chance",
}
FEATURES: tuple[str, ...] = tuple(FEATURE_HELP)
WEIGHTS_FILE = Path(__file__).with_name("reranker.json")
# A shared word counts as rare when at most this share of indexed rows holds it (min 3 rows).
RARE_SHARE = 0.002
# Below this many rows a base cannot tell a rare name from a common one (in a dozen
# debunks "KPU" and "Bekasi" are both rare), so the feature stays 0 until it can.
MIN_ROWS_FOR_RARE = 500
# Chance model: a debunk word of document frequency df turns up in an ordinary text of L words
# with probability about L * df / (rows * ROW_WORDS); rows are titles and claims of ~10 words.
ROW_WORDS = 10.0
CHANCE_CAP = 0.95


@dataclass(frozen=True)
class Reranker:
    """Standardised logistic weights over FEATURES and the operating threshold."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    provenance: dict[str, Any] = field(default_factory=dict, compare=False)
    # Thresholds by text length in words: below length_edges[0] -> length_thresholds[0], ...
    # A headline or tweet meets a debunk's words by chance differently than an article does.
    length_edges: tuple[int, ...] = ()
    length_thresholds: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        # Weights fitted for another feature list would silently mis-score every post.
        for name in ("mean", "scale", "coef"):
            if len(getattr(self, name)) != len(FEATURES):
                raise ValueError(
                    f"re-ranker {name} has {len(getattr(self, name))} values; the matcher uses "
                    f"{len(FEATURES)} features (refit with `waspada factchecks evaluate --write`)"
                )
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"re-ranker threshold must be in (0, 1), got {self.threshold}")
        if any(not math.isfinite(v) for v in (*self.mean, *self.scale, *self.coef)):
            raise ValueError("re-ranker weights must be finite numbers")
        if self.length_edges or self.length_thresholds:
            if len(self.length_thresholds) != len(self.length_edges) + 1:
                raise ValueError("re-ranker needs one length threshold more than length edges")
            if any(b <= a for a, b in itertools.pairwise(self.length_edges)) or any(
                e < 1 for e in self.length_edges
            ):
                raise ValueError("re-ranker length edges must be increasing positive word counts")
            if any(not 0.0 < t < 1.0 for t in self.length_thresholds):
                raise ValueError("re-ranker length thresholds must be in (0, 1)")
            if self.threshold > min(self.length_thresholds):
                raise ValueError("re-ranker threshold must be the lowest length threshold")

    def threshold_for(self, words: int) -> float:
        """Return the operating threshold for a text of this many (normalised) words."""
        if not self.length_edges:
            return self.threshold
        return self.length_thresholds[bisect.bisect_right(self.length_edges, words)]

    @classmethod
    def from_json(cls, data: Any) -> Reranker:
        """Build from the JSON mapping written by `to_json`, checking names and types."""
        if not isinstance(data, dict) or data.get("features") != list(FEATURES):
            raise ValueError("re-ranker file does not list this matcher's features in order")
        try:
            return cls(
                mean=tuple(float(v) for v in data["mean"]),
                scale=tuple(float(v) for v in data["scale"]),
                coef=tuple(float(v) for v in data["coef"]),
                intercept=float(data["intercept"]),
                threshold=float(data["threshold"]),
                provenance=dict(data.get("provenance") or {}),
                length_edges=tuple(_whole(v) for v in data.get("length_edges") or ()),
                length_thresholds=tuple(float(v) for v in data.get("length_thresholds") or ()),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"re-ranker file is malformed: {exc}") from None

    def to_json(self) -> dict[str, Any]:
        """Return the weights as a JSON-ready mapping."""
        return {
            "features": list(FEATURES),
            "mean": [round(v, 6) for v in self.mean],
            "scale": [round(v, 6) for v in self.scale],
            "coef": [round(v, 6) for v in self.coef],
            "intercept": round(self.intercept, 6),
            "threshold": round(self.threshold, 4),
            "length_edges": list(self.length_edges),
            "length_thresholds": [round(t, 4) for t in self.length_thresholds],
            "provenance": self.provenance,
        }

    def probability(self, X: np.ndarray) -> np.ndarray:
        """Return the match probability of each feature row."""
        if len(X) == 0:
            return np.zeros(0)
        z = (X - np.asarray(self.mean)) / np.asarray(self.scale)
        logits = self.intercept + z @ np.asarray(self.coef)
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -50, 50)))

    def score(
        self,
        index: FactCheckIndex,
        text: str,
        cands: Candidates,
        chance: Chance | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the match probability of each candidate row and its feature row."""
        X = pair_features(index, text, cands, chance)
        return self.probability(X), X

    def upper_bound(
        self,
        index: FactCheckIndex,
        text: str,
        cands: Candidates,
        chance: Chance,
    ) -> float:
        """Return a probability no candidate of this text can exceed, without the per-row work.

        The features that need each row's word sets (passage cover, word pairs, numbers) are
        set to whichever end of their range raises the score; all others are exact. A text
        whose bound is under the threshold has no match, so `match` skips its exact scoring.
        """
        n = len(cands.rows)
        if n == 0:
            return 0.0
        X = np.zeros((n, len(FEATURES)))
        col = len(PAIR_FEATURES)
        X[:, :col] = cands.features
        evidence, missing, rare, share = chance
        words = index.row_word_counts()[cands.rows]
        tokens = len(text.split())
        if max(index.n_rows, 1) >= MIN_ROWS_FOR_RARE:
            X[:, col + 2] = np.minimum(5, rare)
        X[:, col + 5] = np.log((tokens + 1) / (words + 1))
        X[:, col + 6] = np.log(words + 1)
        X[:, col + 9] = evidence
        X[:, col + 10] = missing
        _gap(X, cands.entries, "cos_char")
        weight = np.asarray(self.coef) / np.asarray(self.scale)
        for name, (low, high) in _BOUNDED.items():
            j = FEATURES.index(name)
            X[:, j] = high if weight[j] > 0 else low
        # Tighter than [0, 1]: a passage holds at most the row's words the text holds at all,
        # and a gap is at most its own value (the best other row scores 0 or more).
        for name in ("window_cover", "window_cover_gap"):
            j = FEATURES.index(name)
            X[:, j] = share if weight[j] > 0 else X[:, j]
        return float(self.probability(X).max())

    def reasons(self, x: np.ndarray, top: int = 3) -> list[dict[str, Any]]:
        """Return the features that pushed this pair's score up most, with their values."""
        z = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        contrib = z * np.asarray(self.coef)
        order = np.argsort(-contrib)[:top]
        return [
            {
                "feature": FEATURES[j],
                "value": round(float(x[j]), 3),
                "why": FEATURE_HELP[FEATURES[j]],
            }
            for j in order
            if contrib[j] > 0
        ]


# (evidence, missing, rare, share) per pair: see `chance_features`.
Chance = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]

# Features `upper_bound` does not compute, with the range each can take.
_BOUNDED = {
    "window_cover": (0.0, 1.0),
    "bigram_cover": (0.0, 1.0),
    "number_shared": (0.0, 1.0),
    "number_missing": (0.0, 1.0),
    "window_cover_gap": (-1.0, 1.0),
}


def _gap(out: np.ndarray, entries: np.ndarray, name: str) -> None:
    # Compared with the best row of ANOTHER debunk: one far ahead of the rest is surer.
    others = entries[:, None] != entries[None, :]
    values = out[:, FEATURES.index(name)]
    best_other = np.where(others, values[None, :], -np.inf).max(axis=1)
    out[:, FEATURES.index(f"{name}_gap")] = values - np.where(
        np.isfinite(best_other), best_other, 0.0
    )


def _whole(value: Any) -> int:
    # JSON numbers: 15 and 15.0 are fine, 15.5, true or "15" are not word counts.
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ValueError(f"length edge {value!r} is not a whole number of words")
    return int(value)


def load_reranker(path: Path = WEIGHTS_FILE) -> Reranker:
    """Load the shipped weights (plain JSON: nothing is executed)."""
    return Reranker.from_json(json.loads(path.read_text(encoding="utf-8")))


def _window_cover(tokens: list[str], weights: dict[str, float], width: int) -> float:
    # Best passage: the most debunk-word weight found within `width` consecutive tokens.
    hits = [(pos, w) for pos, w in enumerate(tokens) if w in weights]
    total = sum(weights.values())
    if not hits or total <= 0:
        return 0.0
    best = 0.0
    counts: dict[str, int] = {}
    current = 0.0
    lo = 0
    for pos, word in hits:
        if counts.get(word, 0) == 0:
            current += weights[word]
        counts[word] = counts.get(word, 0) + 1
        while pos - hits[lo][0] >= width:
            old = hits[lo][1]
            counts[old] -= 1
            if counts[old] == 0:
                current -= weights[old]
            lo += 1
        best = max(best, current)
    return best / total


@dataclass(frozen=True)
class _WordTerms:
    """Per flat row word, what `chance_features` derives from its frequency (per index)."""

    flat: RowArrays  # the arrays these were derived from (identity = still valid)
    freq1: np.ndarray  # document frequency + 1
    idf: np.ndarray  # as `row_idf` weighs the word
    rare: np.ndarray  # float 0/1: a rare name-like word (see RARE_SHARE)
    row_total: np.ndarray  # per row: the sum of its words' idf, word by word in flat order


_TERMS: dict[int, _WordTerms] = {}


def _word_terms(index: FactCheckIndex, flat: RowArrays) -> _WordTerms:
    # Why cached: these depend only on the index, yet were recomputed for every word of every
    # candidate row of every batch. Same element-wise operations, so the same bits.
    got = _TERMS.get(id(index))
    if got is not None and got.flat is flat:
        return got
    n_rows = max(index.n_rows, 1)
    rare_df = max(3.0, RARE_SHARE * n_rows)
    idf = np.log((index.n_rows + 1) / (flat.freq + 1.0)) + 1.0
    row_of = np.repeat(np.arange(len(flat.ptr) - 1), np.diff(flat.ptr))
    got = _WordTerms(
        flat,
        flat.freq + 1.0,
        idf,
        ((flat.freq <= rare_df) & flat.nondigit).astype(np.float64),
        # bincount adds sequentially, as the per-pair bincount over the same words did.
        np.bincount(row_of, weights=idf, minlength=len(flat.ptr) - 1),
    )
    _TERMS.clear()  # one index per process in practice; never grow with rebuilt indexes
    _TERMS[id(index)] = got
    return got


def chance_features(
    index: FactCheckIndex,
    token_lists: Sequence[Sequence[str]],
    pair_text: np.ndarray,
    pair_rows: np.ndarray,
) -> Chance:
    """Return (chance evidence, chance missing, rare shared words, present word share).

    Pair k is text `pair_text[k]` (tokens `token_lists[...]`) against indexed row
    `pair_rows[k]`. One vectorised pass over every word of every candidate row of a batch:
    looping per word in Python cost more than everything else `waspada classify` does.
    """
    n_pairs = len(pair_rows)
    if n_pairs == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0)
    n_rows = max(index.n_rows, 1)
    flat = index.word_arrays()
    terms = _word_terms(index, flat)
    starts = flat.ptr[pair_rows]
    lengths = flat.ptr[pair_rows + 1] - starts
    owner = np.repeat(np.arange(n_pairs), lengths)
    # Position of every word of every pair's row in the flat arrays, without a Python loop.
    offsets = np.cumsum(lengths) - lengths
    pos = np.arange(int(lengths.sum())) - offsets[owner] + starts[owner]
    per_word = np.array([len(t) for t in token_lists], dtype=np.float64) / (n_rows * ROW_WORDS)
    chance = np.minimum(CHANCE_CAP, terms.freq1[pos] * per_word[pair_text][owner])
    present = words_present(index.word_ids, token_lists, pair_text[owner], flat.ids[pos])
    # Each sum below takes only the words it counts, in the same order as before: the words
    # it leaves out added exactly 0.0 to a non-negative sum, so the bits are the same.
    hit, miss = np.flatnonzero(present), np.flatnonzero(~present)
    at, by = pos[hit], owner[hit]
    with np.errstate(divide="ignore"):
        evidence = np.bincount(by, weights=-np.log(chance[hit]), minlength=n_pairs)
        missing = np.bincount(owner[miss], weights=-np.log1p(-chance[miss]), minlength=n_pairs)
    rare = np.bincount(by, weights=terms.rare[at], minlength=n_pairs)
    # Share of the row's word weight (as `row_idf` weighs it) present anywhere in the text:
    # the passage cover can only be lower, which is what `upper_bound` needs.
    total = terms.row_total[pair_rows]
    found = np.bincount(by, weights=terms.idf[at], minlength=n_pairs)
    share = np.minimum(1.0, found / np.maximum(total, 1e-12))
    return evidence, missing, rare, share


def pair_features(
    index: FactCheckIndex,
    text: str,
    cands: Candidates,
    chance: Chance | None = None,
) -> np.ndarray:
    """Return FEATURES for one normalised text against each of its candidate rows.

    `chance`: this text's slice of `chance_features` when the batch computed it already.
    """
    n = len(cands.rows)
    out = np.zeros((n, len(FEATURES)))
    if n == 0:
        return out
    tokens = text.split()
    token_set = set(tokens)
    text_bigrams = set(itertools.pairwise(tokens))
    with_rare = max(index.n_rows, 1) >= MIN_ROWS_FOR_RARE
    if chance is None:
        chance = chance_features(index, [tokens], np.zeros(n, np.int64), cands.rows)
    evidence, missing, rare, _ = chance
    col = len(PAIR_FEATURES)
    # Per pair only what needs the row's word sets; the arithmetic is done on whole columns.
    window, bigram, n_words, n_numbers, shared_numbers = [], [], [], [], []
    for row in cands.rows.tolist():
        info = index.row_words(row)
        bigrams, numbers = info.bigrams, info.numbers
        window.append(_window_cover(tokens, index.row_idf(row), max(3 * info.n_words, 20)))
        bigram.append(len(bigrams & text_bigrams) / len(bigrams) if bigrams else 0.0)
        n_words.append(info.n_words)
        n_numbers.append(len(numbers))
        shared_numbers.append(len(numbers & token_set))
    words = np.asarray(n_words, dtype=np.float64)
    has_numbers = np.asarray(n_numbers) > 0
    shared = np.asarray(shared_numbers, dtype=np.float64)
    out[:, col] = window
    out[:, col + 1] = bigram
    if with_rare:
        out[:, col + 2] = np.minimum(5, rare)
    out[:, col + 3] = np.where(has_numbers, shared / np.maximum(n_numbers, 1), 0.0)
    out[:, col + 4] = (has_numbers & (shared == 0)).astype(np.float64)
    out[:, col + 5] = np.log((len(tokens) + 1) / (words + 1))
    out[:, col + 6] = np.log(words + 1)
    out[:, col + 9] = evidence
    out[:, col + 10] = missing
    out[:, : len(PAIR_FEATURES)] = cands.features
    for name in ("cos_char", "window_cover"):
        _gap(out, cands.entries, name)
    return out
