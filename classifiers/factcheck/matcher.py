"""The calibrated matcher: idf-weighted overlap features combined by a fitted logistic model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from classifiers.contracts import FactCheckMatch
from classifiers.factcheck.index import PAIR_FEATURES, FactCheckIndex
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

    def as_json(self) -> dict[str, object]:
        """Return the calibration as a printable mapping."""
        return {
            "intercept": self.intercept,
            "coef": dict(zip(FEATURES, self.coef, strict=True)),
            "threshold": self.threshold,
        }


# Fitted by `waspada factchecks evaluate --from ../shared/data` (BDC 2020 training pairs and
# half of the Detik headlines as negatives); the command prints these figures again.
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


class FactCheckMatcher:
    """Find the best debunk per text; `match` returns only those above the threshold."""

    def __init__(
        self,
        index: FactCheckIndex,
        calibration: Calibration = DEFAULT_CALIBRATION,
        batch_size: int = 256,
    ) -> None:
        self.index = index
        self.calibration = calibration
        self.batch_size = batch_size

    def rank(self, texts: Sequence[str], k: int = 5) -> list[list[tuple[int, float]]]:
        """Return up to k (entry position, calibrated score) per text, best first."""
        out: list[list[tuple[int, float]]] = []
        for start in range(0, len(texts), self.batch_size):
            out.extend(self._rank_batch(texts[start : start + self.batch_size], k))
        return out

    def _rank_batch(self, texts: Sequence[str], k: int) -> list[list[tuple[int, float]]]:
        # Hashtag-, mention- and link-only posts carry words but no claim to compare.
        normalised = [
            match_text(t) if isinstance(t, str) and prose_words(t) >= MIN_TOKENS else ""
            for t in texts
        ]
        if len(self.index) == 0:
            return [[] for _ in texts]
        cal = self.calibration
        coef = np.asarray(cal.coef)
        ranked: list[list[tuple[int, float]]] = []
        candidates = self.index.candidates(normalised, CANDIDATES)
        for text, cands in zip(normalised, candidates, strict=True):
            if len(text.split()) < MIN_TOKENS or len(cands.rows) == 0:
                ranked.append([])
                continue
            logits = cal.intercept + score_features(cands.features) @ coef
            probs = 1.0 / (1.0 + np.exp(-logits))
            # Title and claim rows of one debunk compete; keep each debunk's best row.
            best: dict[int, float] = {}
            for pos in np.argsort(-probs, kind="stable"):
                best.setdefault(int(cands.entries[pos]), float(probs[pos]))
                if len(best) == k:
                    break
            ranked.append(list(best.items()))
        return ranked

    def match(self, texts: Sequence[str]) -> list[FactCheckMatch | None]:
        """Return the best debunk per text when its calibrated score reaches the threshold."""
        out: list[FactCheckMatch | None] = []
        for ranked in self.rank(texts, k=1):
            if not ranked or ranked[0][1] < self.calibration.threshold:
                out.append(None)
                continue
            entry = self.index.entries[ranked[0][0]]
            out.append(FactCheckMatch(entry.key, entry.title, entry.url, ranked[0][1], entry.pk))
        return out
