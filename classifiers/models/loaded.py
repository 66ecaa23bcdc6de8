"""A fitted model plus thresholds: the `Classifier` the rest of Waspada calls.

Scoring runs on the `CompiledModel` (one vectorisation, one sparse product, no scikit-learn);
the sklearn pipeline, when loaded, is kept for training-time checks and research.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from classifiers.contracts import LABELS, Classification, FactCheckMatch, Matcher
from classifiers.factcheck.signals import hoax_signal
from classifiers.models.compile import compile_pipeline
from classifiers.models.compiled import CompiledModel

TOP_NGRAMS = 5


_PREFIXES = ("ngrams__word__", "ngrams__char__", "rules__", "word__", "char__")


def _short_name(name: str) -> str:
    # Feature names carry the FeatureUnion path; a reviewer only needs the n-gram or rule.
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


class LoadedClassifier:
    """Scores texts with one model version; implements `classifiers.contracts.Classifier`."""

    def __init__(
        self,
        version: str,
        pipeline: Any,
        thresholds: Mapping[str, float],
        compiled: CompiledModel | None = None,
    ) -> None:
        self.version = version
        self.pipeline = pipeline  # the sklearn pipeline, or None when loaded from a scoring file
        values = [float(thresholds[label]) for label in LABELS]
        # Why refuse: a threshold above 1 silently switches a label's flagging off.
        bad = [label for label, v in zip(LABELS, values, strict=True) if not 0.0 <= v <= 1.0]
        if bad:
            raise ValueError(f"model {version}: thresholds outside [0, 1] for {', '.join(bad)}")
        self.thresholds = np.array(values)
        if compiled is None:
            if pipeline is None:
                raise ValueError(f"model {version}: neither a pipeline nor a compiled model")
            compiled = compile_pipeline(pipeline)
        self.compiled = compiled
        self._names: np.ndarray | None = None

    @property
    def clf(self) -> Any:
        """Return the final sklearn per-label estimator (training and research only)."""
        if self.pipeline is None:
            raise AttributeError(f"model {self.version} was loaded for scoring only")
        return self.pipeline.steps[-1][1]

    def warm(self) -> None:
        """Build what scoring builds lazily (rule patterns, label weights, feature names)."""
        self.compiled.warm()
        self.feature_names()

    def features(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Return the feature matrix (normalise, stem, n-grams, rules) for texts."""
        return self.compiled.features(list(texts))

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Return the (n_texts, n_labels) combined scores."""
        if not texts:
            return np.zeros((0, len(LABELS)))
        return self.compiled.scores_from(self.features(texts))[0]

    def feature_names(self) -> np.ndarray:
        """Return the feature names (computed once per loaded model)."""
        if self._names is None:
            self._names = np.array(self.compiled.feature_names(), dtype=object)
        return self._names

    def classify(
        self, texts: Sequence[str], matcher: Matcher | None = None
    ) -> list[Classification]:
        """Score texts; a matcher's hit sets `hoax` and is shown in the explanation."""
        texts = list(texts)
        if not texts:
            return []
        X = self.features(texts)
        scores, suppressed = self.compiled.scores_from(X)
        flags = scores >= self.thresholds
        hoax = LABELS.index("hoax")
        # A post that is itself a debunk or clarification matches its debunk by design: show
        # the match to the reviewer, but it is not a hoax (docs/labels: hard negatives).
        debunking = suppressed[:, hoax]
        matches: list[FactCheckMatch | None] = (
            list(matcher.match(texts)) if matcher is not None else [None] * len(texts)
        )
        rule_block = X[:, X.shape[1] - len(self.compiled.rule_names) :].tocsr()
        coef = self.compiled.coef
        rules = self.compiled.rule_of_column()
        out = []
        for i in range(len(texts)):
            match = matches[i]
            classifier_hoax = float(scores[i, hoax])
            if match is not None and not debunking[i]:
                flags[i, hoax] = True
                scores[i, hoax] = max(scores[i, hoax], match.score)
            labels = [label for j, label in enumerate(LABELS) if flags[i, j]]
            explanation = self._explain(X, i, flags[i], rule_block, coef, rules)
            if match is not None:
                explanation["factcheck"] = match.as_json()
            if flags[i, hoax]:  # which of the two hoax signals fired, and the debunk
                explanation["hoax_signal"] = hoax_signal(
                    classifier_hoax, float(self.thresholds[hoax]), match
                )
            out.append(
                Classification(
                    labels=labels,
                    scores={label: round(float(scores[i, j]), 4) for j, label in enumerate(LABELS)},
                    explanation=explanation,
                    factcheck=match,
                    model_version=self.version,
                )
            )
        return out

    def _explain(
        self,
        X: sp.csr_matrix,
        i: int,
        flags: np.ndarray,
        rule_block: sp.csr_matrix,
        coef: np.ndarray,
        rules: list[Any],
    ) -> dict[str, Any]:
        lo, hi = rule_block.indptr[i], rule_block.indptr[i + 1]
        hit = [r for r in (rules[c] for c in rule_block.indices[lo:hi]) if r is not None]
        explanation: dict[str, Any] = {
            "rules": [{"rule": r.name, "label": r.label, "why": r.description} for r in hit]
        }
        if not flags.any():
            return explanation
        names = self.feature_names()
        row_lo, row_hi = X.indptr[i], X.indptr[i + 1]
        cols = X.indices[row_lo:row_hi]
        vals = X.data[row_lo:row_hi]
        top: dict[str, list[list[Any]]] = {}
        for j, label in enumerate(LABELS):
            if not flags[j] or len(cols) == 0:
                continue
            contrib = vals * coef[j, cols]
            order = np.argsort(-contrib)[:TOP_NGRAMS]
            top[label] = [
                [str(names[cols[k]]), round(float(contrib[k]), 4)] for k in order if contrib[k] > 0
            ]
        explanation["top_ngrams"] = top
        return explanation
