"""The per-label calibrated linear classifier and the full text-to-scores pipeline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from classifiers.contracts import LABELS
from classifiers.models.vectorizer import CompactTfidfVectorizer
from classifiers.text.normalize import Normalizer
from classifiers.text.rules import RULES, RuleFeatures
from classifiers.text.stem import Stemmer

# A counter-rule (debunk, appeal against vote-buying, counter-speech, history lesson) halves
# the label's score instead of zeroing it: the hard negatives it exists for scored 0.36-0.84
# and fall under their thresholds, while a confident model score on a real hoax that merely
# says "hoaks" survives. Measured on classifiers/data/eval hard negatives (docs/classifier.md).
SUPPRESSED_FACTOR = 0.5
UNKNOWN = -1  # a dataset that says nothing about a label leaves its cell UNKNOWN


class PerLabelClassifier(ClassifierMixin, BaseEstimator):
    """One calibrated logistic regression per label, each fitted only where its label is known.

    `y` is (n_samples, n_labels) with 1, 0 or -1 (unknown). The last `n_rule_columns`
    feature columns are the rule layer (`RuleFeatures`), read again to apply rule floors.
    """

    def __init__(
        self,
        C: float = 4.0,
        calibration_cv: int = 3,
        n_rule_columns: int = 0,
        rule_floor: float = 0.9,
        class_weight: str | None = "balanced",
    ) -> None:
        self.C = C
        self.calibration_cv = calibration_cv
        self.n_rule_columns = n_rule_columns
        self.rule_floor = rule_floor
        self.class_weight = class_weight

    def fit(self, X: Any, y: Any) -> PerLabelClassifier:
        """Fit one calibrated model per label on the rows where that label is known."""
        X = sp.csr_matrix(X)
        Y = np.asarray(y)
        if Y.ndim == 1:
            Y = Y.reshape(-1, 1)
        self.n_labels_ = Y.shape[1]
        self.n_features_in_ = X.shape[1]
        self.models_: list[CalibratedClassifierCV] = []
        coefs = []
        for j in range(self.n_labels_):
            known = Y[:, j] != UNKNOWN
            yj = Y[known, j].astype(int)
            if len(set(yj.tolist())) < 2:
                raise ValueError(f"label column {j} needs both positive and negative examples")
            cv = max(2, min(self.calibration_cv, int(np.bincount(yj).min())))
            model = CalibratedClassifierCV(
                LogisticRegression(
                    C=self.C, class_weight=self.class_weight, max_iter=2000, solver="liblinear"
                ),
                method="sigmoid",
                cv=cv,
            )
            model.fit(X[known], yj)
            self.models_.append(model)
            coefs.append(
                np.mean([c.estimator.coef_[0] for c in model.calibrated_classifiers_], axis=0)
            )
        # Averaged weights, kept for explanations (which n-grams pushed a score).
        self.coef_ = np.vstack(coefs)
        self.classes_ = np.arange(self.n_labels_)
        return self

    def model_scores(self, X: Any) -> np.ndarray:
        """Return the calibrated model probability per label, before rule floors."""
        X = sp.csr_matrix(X)
        return np.column_stack([m.predict_proba(X)[:, 1] for m in self.models_])

    def floors(self, X: Any) -> np.ndarray:
        """Return the score floor strong, unsuppressed rules put under each label."""
        X = sp.csr_matrix(X)
        n = X.shape[0]
        out = np.zeros((n, self.n_labels_))
        if not self.n_rule_columns or self.n_labels_ != len(LABELS):
            return out
        hits = X[:, X.shape[1] - self.n_rule_columns :].toarray() > 0
        for j, label in enumerate(LABELS):
            strong = [i for i, r in enumerate(RULES) if r.label == label and r.strong]
            supp = [i for i, r in enumerate(RULES) if r.label == label and r.suppressor]
            if not strong:
                continue
            on = hits[:, strong].any(axis=1)
            if supp:
                on &= ~hits[:, supp].any(axis=1)
            out[on, j] = self.rule_floor
        return out

    def suppressed(self, X: Any) -> np.ndarray:
        """Return, per text and label, whether one of the label's counter-rules fired."""
        X = sp.csr_matrix(X)
        out = np.zeros((X.shape[0], self.n_labels_), dtype=bool)
        if not self.n_rule_columns or self.n_labels_ != len(LABELS):
            return out
        hits = X[:, X.shape[1] - self.n_rule_columns :].toarray() > 0
        for j, label in enumerate(LABELS):
            supp = [i for i, r in enumerate(RULES) if r.label == label and r.suppressor]
            if supp:
                out[:, j] = hits[:, supp].any(axis=1)
        return out

    def predict_proba(self, X: Any) -> np.ndarray:
        """Return the combined score per label: max(model probability, rule floor), damped
        where a counter-rule fired (a debunk, an appeal against vote-buying, counter-speech)."""
        X = sp.csr_matrix(X)
        combined = np.maximum(self.model_scores(X), self.floors(X))
        return np.where(self.suppressed(X), combined * SUPPRESSED_FACTOR, combined)

    def predict(self, X: Any) -> np.ndarray:
        """Return 0/1 per label at 0.5 (thresholds are applied by the model wrapper)."""
        return (self.predict_proba(X) >= 0.5).astype(int)


def build_pipeline(
    lexicons: Sequence[tuple[str, str]] = (),
    *,
    stem: bool = False,
    word_max_features: int = 60_000,
    char_max_features: int = 60_000,
    min_df: int = 2,
    C: float = 4.0,
    calibration_cv: int = 3,
    rule_floor: float = 0.9,
    max_chars: int | None = None,
    class_weight: str | None = "balanced",
) -> Pipeline:
    """Build the unfitted text-to-scores pipeline (one artifact: normalise ... classify)."""
    tfidf = FeatureUnion(
        [
            (
                "word",
                CompactTfidfVectorizer(
                    ngram_range=(1, 2),
                    min_df=min_df,
                    max_features=word_max_features,
                    sublinear_tf=True,
                    token_pattern=r"(?u)\b\w+\b",  # noqa: S106 - a regex, not a secret
                    dtype=np.float32,
                ),
            ),
            (
                "char",
                CompactTfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(3, 5),
                    min_df=min_df,
                    max_features=char_max_features,
                    sublinear_tf=True,
                    dtype=np.float32,
                ),
            ),
        ]
    )
    # Only the n-grams see stemmed text: the rules are written against normalised words
    # ("kecurangan", "dibayar"), and stemming them would silently switch rules off.
    features = FeatureUnion(
        [
            ("ngrams", Pipeline([("stem", Stemmer(enabled=stem)), ("tfidf", tfidf)])),
            ("rules", RuleFeatures()),
        ]
    )
    return Pipeline(
        [
            ("normalize", Normalizer(lexicons=list(lexicons) or None, max_chars=max_chars)),
            ("features", features),
            (
                "clf",
                PerLabelClassifier(
                    C=C,
                    calibration_cv=calibration_cv,
                    n_rule_columns=len(RULES),
                    rule_floor=rule_floor,
                    class_weight=class_weight,
                ),
            ),
        ]
    )
