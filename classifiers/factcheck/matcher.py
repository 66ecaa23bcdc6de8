"""The matcher: index candidates, then a scorer (the re-ranker by default) and a threshold."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, cast

import numpy as np

from classifiers.contracts import FactCheckMatch
from classifiers.factcheck.bounds import batch_upper_bounds
from classifiers.factcheck.index import PAIR_FEATURES, Candidates, FactCheckIndex
from classifiers.factcheck.rerank import Reranker, chance_features, load_reranker
from classifiers.factcheck.text import match_text, prose_words

# Overlap features of a pair, then the same cosines and covers minus the best among the
# text's candidates: a debunk far ahead of the others is a surer match than one in a crowd.
_RELATIVE = ("cos_char", "cos_word", "cover_char", "cover_word")
FEATURES = PAIR_FEATURES + tuple(f"{name}_gap" for name in _RELATIVE)

# A post needs this many words to be compared at all: one-word or empty texts match
# everything a little and nothing meaningfully.
MIN_TOKENS = 3
# Rows re-scored exactly per text after the pruned candidate join.
CANDIDATES = 30
# The batch bound may differ from the per-text one in the last bits (another summation
# order); a text is skipped only when clearly under, so no text that could match is skipped.
MARGIN = 1e-9


@dataclass(frozen=True)
class Calibration:
    """Logistic weights over FEATURES and the operating threshold on its probability."""

    intercept: float
    coef: tuple[float, ...]
    threshold: float

    def __post_init__(self) -> None:
        # A calibration fitted for another feature set would silently mis-score every post.
        if len(self.coef) != len(FEATURES):
            raise ValueError(
                f"calibration has {len(self.coef)} weights; the matcher uses {len(FEATURES)} "
                "features (refit with `waspada factchecks evaluate`)"
            )
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"calibration threshold must be in (0, 1), got {self.threshold}")

    def score(
        self, index: FactCheckIndex, text: str, cands: Candidates
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return the logistic probability of each candidate row (the pre-re-ranker scorer)."""
        X = score_features(cands.features)
        return np.asarray(1.0 / (1.0 + np.exp(-(self.intercept + X @ np.asarray(self.coef))))), X

    def threshold_for(self, words: int) -> float:
        """Return the threshold (the same at every text length)."""
        return self.threshold

    def as_json(self) -> dict[str, object]:
        """Return the calibration as a printable mapping."""
        return {
            "intercept": self.intercept,
            "coef": dict(zip(FEATURES, self.coef, strict=True)),
            "threshold": self.threshold,
        }


# The matcher before the re-ranker (kept as the baseline `waspada factchecks evaluate`
# compares against): fitted on BDC 2020 pairs and Detik headlines, never on articles.
DEFAULT_CALIBRATION = Calibration(
    intercept=-5.8333,
    coef=(1.7114, 0.7286, 6.7357, 3.6064, -1.5888, 0.4363, 16.8538, 13.8941, -0.5969, 0.1808),
    threshold=0.9,
)


def score_features(pair_features: np.ndarray) -> np.ndarray:
    """Return FEATURES for one text's candidates from the index's PAIR_FEATURES."""
    if len(pair_features) == 0:
        return np.zeros((0, len(FEATURES)))
    cols = [PAIR_FEATURES.index(name) for name in _RELATIVE]
    picked = pair_features[:, cols]
    return np.hstack([pair_features, picked - picked.max(axis=0, keepdims=True)])


class Scorer(Protocol):
    """Turns one text's candidate rows into match probabilities."""

    @property
    def threshold(self) -> float:
        """Return the lowest operating threshold on the probability (any text length)."""
        ...

    def threshold_for(self, words: int) -> float:
        """Return the operating threshold for a text of this many normalised words."""
        ...

    def score(
        self, index: FactCheckIndex, text: str, cands: Candidates
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return one probability per candidate row, and the feature rows behind them."""
        ...


def prepare(texts: Sequence[object]) -> list[str]:
    """Return the matching form of each text ("" for texts too short or not text at all)."""
    # Hashtag-, mention- and link-only posts carry words but no claim to compare.
    return [
        match_text(t) if isinstance(t, str) and prose_words(t) >= MIN_TOKENS else "" for t in texts
    ]


@functools.cache
def default_scorer() -> Reranker:
    """Return the shipped re-ranker (read once per process)."""
    return load_reranker()


@dataclass(frozen=True)
class Ranked:
    """One debunk for a text: its entry position, probability and the row's features."""

    entry: int
    score: float
    features: np.ndarray
    words: int = 0  # the text's normalised length, which picks the threshold


class FactCheckMatcher:
    """Find the best debunk per text; `match` returns only those above the threshold."""

    def __init__(
        self,
        index: FactCheckIndex,
        scorer: Scorer | None = None,
        batch_size: int = 256,
    ) -> None:
        self.index = index
        self.scorer: Scorer = scorer if scorer is not None else default_scorer()
        self.batch_size = batch_size

    def warm(self) -> None:
        """Build what the first match would build lazily (forked workers then share it)."""
        self.index.warm()

    @property
    def threshold(self) -> float:
        """Return the scorer's lowest operating threshold (texts of any length)."""
        return self.scorer.threshold

    def threshold_for(self, words: int) -> float:
        """Return the scorer's threshold for a text of this many normalised words."""
        return self.scorer.threshold_for(words)

    def rank(self, texts: Sequence[str], k: int = 5) -> list[list[tuple[int, float]]]:
        """Return up to k (entry position, probability) per text, best first."""
        return [[(r.entry, r.score) for r in row] for row in self.ranked(texts, k)]

    def ranked(self, texts: Sequence[str], k: int = 5) -> list[list[Ranked]]:
        """Return up to k ranked debunks per text with the features behind each score."""
        out: list[list[Ranked]] = []
        for start in range(0, len(texts), self.batch_size):
            out.extend(self._rank_batch(texts[start : start + self.batch_size], k))
        return out

    def _rank_batch(self, texts: Sequence[str], k: int) -> list[list[Ranked]]:
        normalised = prepare(texts)
        if len(self.index) == 0:
            return [[] for _ in texts]
        return self.rank_prepared(normalised, self.index.candidates(normalised, CANDIDATES), k)

    def rank_prepared(
        self,
        normalised: Sequence[str],
        candidates: Sequence[Candidates],
        k: int,
        *,
        only_possible_matches: bool = False,
    ) -> list[list[Ranked]]:
        """Rank already computed candidates (lets an evaluation score them several ways).

        With `only_possible_matches`, a text whose re-ranker upper bound is under its
        threshold gets [] at once: `match` would return None for it anyway.
        """
        ranked: list[list[Ranked]] = []
        chance = self._chance(normalised, candidates)
        lengths = [len(text.split()) for text in normalised]
        bounds = None
        if only_possible_matches and chance is not None:
            reranker = cast(Reranker, self.scorer)
            bounds = batch_upper_bounds(reranker, self.index, lengths, candidates, chance)
        for i, (text, cands) in enumerate(zip(normalised, candidates, strict=True)):
            if lengths[i] < MIN_TOKENS or len(cands.rows) == 0:
                ranked.append([])
                continue
            if chance is not None:
                lo, hi = chance[0][i], chance[0][i + 1]
                part = (chance[1][lo:hi], chance[2][lo:hi], chance[3][lo:hi], chance[4][lo:hi])
                reranker = cast(Reranker, self.scorer)
                if bounds is not None and bounds[i] < reranker.threshold_for(lengths[i]) - MARGIN:
                    ranked.append([])
                    continue
                probs, feats = reranker.score(self.index, text, cands, part)
            else:
                probs, feats = self.scorer.score(self.index, text, cands)
            words = len(text.split())
            # Title and claim rows of one debunk compete; keep each debunk's best row.
            best: dict[int, Ranked] = {}
            for pos in np.argsort(-probs, kind="stable"):
                entry = int(cands.entries[pos])
                if entry not in best:
                    best[entry] = Ranked(entry, float(probs[pos]), feats[pos], words)
                if len(best) == k:
                    break
            ranked.append(list(best.values()))
        return ranked

    def _chance(
        self, normalised: Sequence[str], candidates: Sequence[Candidates]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        # The re-ranker's per-word chance features for the whole batch in one pass.
        if not isinstance(self.scorer, Reranker):
            return None
        used = [
            len(c.rows) if len(t.split()) >= MIN_TOKENS else 0
            for t, c in zip(normalised, candidates, strict=True)
        ]
        bounds = np.concatenate([[0], np.cumsum(used)]).astype(np.int64)
        pair_text = np.repeat(np.arange(len(used)), used)
        rows = [c.rows[:k] for c, k in zip(candidates, used, strict=True)]
        pair_rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        tokens = [t.split() for t in normalised]
        return (bounds, *chance_features(self.index, tokens, pair_text, pair_rows))

    def match(self, texts: Sequence[str]) -> list[FactCheckMatch | None]:
        """Return the best debunk per text when its probability reaches the threshold."""
        out: list[FactCheckMatch | None] = []
        best: list[list[Ranked]] = []
        for start in range(0, len(texts), self.batch_size):
            chunk = prepare(texts[start : start + self.batch_size])
            if len(self.index) == 0:
                best.extend([] for _ in chunk)
                continue
            cands = self.index.candidates(chunk, CANDIDATES)
            best.extend(self.rank_prepared(chunk, cands, 1, only_possible_matches=True))
        for ranked in best:
            if not ranked or ranked[0].score < self.scorer.threshold_for(ranked[0].words):
                out.append(None)
                continue
            top = ranked[0]
            entry = self.index.entries[top.entry]
            reasons = self.scorer.reasons(top.features) if isinstance(self.scorer, Reranker) else []
            out.append(
                FactCheckMatch(
                    entry.key,
                    entry.title,
                    entry.url,
                    top.score,
                    entry.pk,
                    publisher=entry.publisher,
                    verdict=entry.verdict,
                    claim=entry.claim,
                    reasons=tuple(reasons),
                )
            )
        return out
