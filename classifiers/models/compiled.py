"""A fitted pipeline as plain arrays: one vectorisation, one sparse product, a sigmoid post-map.

`CompiledModel` scores exactly as the saved scikit-learn pipeline (normalise, optional stem,
word and char TF-IDF, rules, per-label calibrated logistic regressions, rule floors and
counter-rules), but imports no scikit-learn: the three-fold calibrated ensemble of each label
is twelve columns of one weight matrix, so scoring is one `X @ W` and an element-wise map.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from classifiers.contracts import LABELS
from classifiers.text.ngrams import (
    WORD_PATTERN,
    WordCache,
    char_wb_grams,
    count_matrix,
    pack,
    tfidf,
    word_grams,
    word_rows_matrix,
)
from classifiers.text.normal_form import normalize, parse_table
from classifiers.text.rule_match import Rule, hit_columns, rule_columns
from classifiers.text.stemming import stem_word

# A counter-rule halves its label's score instead of zeroing it (see estimator.py).
SUPPRESSED_FACTOR = 0.5


def _known(vocab: dict[str, int], grams: list[str]) -> list[int]:
    # Out-of-vocabulary n-grams are dropped, as sklearn's vectorizers do.
    return [j for j in map(vocab.get, grams) if j is not None]


@dataclass
class CompiledModel:
    """Everything scoring needs, as arrays and strings (no estimator objects)."""

    slang_table: str
    vocab_table: str
    max_chars: int | None
    stem: bool
    word_terms: list[str]
    word_idf: np.ndarray  # float32, one per word term
    char_terms: list[str]
    char_idf: np.ndarray
    char_range: tuple[int, int]
    rule_names: list[str]
    rule_weight: float
    weights: np.ndarray  # (n_features, n_columns): every fold model of every label
    intercepts: np.ndarray  # (n_columns,)
    cal_a: np.ndarray  # Platt sigmoid per column: p = 1 / (1 + exp(a * z + b))
    cal_b: np.ndarray
    column_label: np.ndarray  # (n_columns,) label position of each column
    rule_floor: float
    _state: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        n_features = len(self.word_terms) + len(self.char_terms) + len(self.rule_names)
        n_cols = len(self.intercepts)
        if self.weights.shape != (n_features, n_cols):
            raise ValueError(
                f"weights have shape {self.weights.shape}, expected ({n_features}, {n_cols})"
            )
        for name in ("cal_a", "cal_b", "column_label"):
            if len(getattr(self, name)) != n_cols:
                raise ValueError(f"{name} has {len(getattr(self, name))} values, not {n_cols}")
        if len(self.word_idf) != len(self.word_terms) or len(self.char_idf) != len(self.char_terms):
            raise ValueError("idf lengths differ from the vocabularies")
        if set(self.column_label.tolist()) != set(range(len(LABELS))):
            raise ValueError("every label needs at least one weight column")
        # Averaging matrix: the mean of each label's fold probabilities is one small product.
        mean = np.zeros((n_cols, len(LABELS)))
        for col, label in enumerate(self.column_label.tolist()):
            mean[col, label] = 1.0
        mean /= mean.sum(axis=0, keepdims=True)
        self._state["mean"] = mean
        self._state["word_vocab"] = {t: i for i, t in enumerate(self.word_terms)}
        char_vocab = {t: i for i, t in enumerate(self.char_terms)}
        lo, hi = self.char_range
        self._state["char_cache"] = WordCache(
            lambda words: [pack(_known(char_vocab, char_wb_grams(w, lo, hi))) for w in words]
        )
        self._state["rules"] = rule_columns(self.rule_names)

    @property
    def n_features(self) -> int:
        """Return the feature count (word, char, rule columns)."""
        return int(self.weights.shape[0])

    @property
    def coef(self) -> np.ndarray:
        """Return the per-label weights averaged over folds (for explanations), (n_labels, F)."""
        got = self._state.get("coef")
        if got is None:
            got = (self.weights @ self._state["mean"]).T
            self._state["coef"] = got
        return got

    def warm(self) -> None:
        """Compile the rule patterns and average the weights now, not on first use."""
        _ = self.coef
        for column in self._state["rules"]:
            if column is not None:
                column[1].compile()

    def rule_of_column(self) -> list[Rule | None]:
        """Return the rule behind each rule column (None for a rule no longer defined)."""
        return [c[0] if c is not None else None for c in self._state["rules"]]

    def normalized(self, texts: list[str]) -> list[str]:
        """Return the normalised texts (what the rules read)."""
        slang, vocab = parse_table(self.slang_table), parse_table(self.vocab_table)
        return [normalize(t, slang, vocab, self.max_chars) for t in texts]

    def features(self, texts: list[str]) -> sp.csr_matrix:
        """Return the feature matrix: word TF-IDF | char TF-IDF | rule hits (one csr)."""
        normed = self.normalized(texts)
        grams = [" ".join(stem_word(w) for w in t.split()) for t in normed] if self.stem else normed
        n_word, n_char = len(self.word_terms), len(self.char_terms)
        word_vocab = self._state["word_vocab"]
        word_rows = []
        split_texts = []
        for text in grams:
            low = text.lower()
            word_rows.append(_known(word_vocab, word_grams(WORD_PATTERN.findall(low))))
            split_texts.append(low.split())
        cache = self._state["char_cache"].lookup([w for ws in split_texts for w in ws])
        words = tfidf(count_matrix(word_rows, n_word, np.float32), self.word_idf)
        chars = tfidf(word_rows_matrix(split_texts, cache, n_char, np.float32), self.char_idf)
        columns = self._state["rules"]
        rule_rows = [hit_columns(t, columns) for t in normed]
        rules = count_matrix(rule_rows, len(self.rule_names), np.float64)
        rules.data[:] = self.rule_weight
        return sp.hstack([words, chars, rules], format="csr", dtype=np.float64)

    def rule_hits(self, X: sp.csr_matrix) -> np.ndarray:
        """Return the dense (n_texts, n_rules) boolean rule block of a feature matrix."""
        return np.asarray(X[:, X.shape[1] - len(self.rule_names) :].toarray() > 0)

    def model_scores(self, X: sp.csr_matrix) -> np.ndarray:
        """Return the calibrated probability per label before floors (mean over folds)."""
        z = np.asarray(X @ self.weights) + self.intercepts
        with np.errstate(over="ignore"):
            p = 1.0 / (1.0 + np.exp(self.cal_a * z + self.cal_b))
        return np.asarray(p @ self._state["mean"])

    def floors_and_suppressed(self, X: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        """Return the rule floor under each label and whether a counter-rule fired."""
        hits = self.rule_hits(X)
        rules = self.rule_of_column()
        floors = np.zeros((X.shape[0], len(LABELS)))
        suppressed = np.zeros((X.shape[0], len(LABELS)), dtype=bool)
        for j, label in enumerate(LABELS):
            strong = [i for i, r in enumerate(rules) if r and r.label == label and r.strong]
            supp = [i for i, r in enumerate(rules) if r and r.label == label and r.suppressor]
            if supp:
                suppressed[:, j] = hits[:, supp].any(axis=1)
            if strong:
                on = hits[:, strong].any(axis=1) & ~suppressed[:, j]
                floors[on, j] = self.rule_floor
        return floors, suppressed

    def scores_from(self, X: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        """Return (combined scores, suppressed) for a feature matrix."""
        floors, suppressed = self.floors_and_suppressed(X)
        combined = np.maximum(self.model_scores(X), floors)
        return np.where(suppressed, combined * SUPPRESSED_FACTOR, combined), suppressed

    def feature_names(self) -> list[str]:
        """Return the short feature names (n-gram text or `rule:<name>`)."""
        return [*self.word_terms, *self.char_terms, *(f"rule:{n}" for n in self.rule_names)]
