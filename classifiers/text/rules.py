"""`RuleFeatures`, the rule layer as a pipeline step (the rules are in `rule_match`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from classifiers.text.normal_form import as_text_list
from classifiers.text.rule_match import (
    RULES,
    Rule,
    compiled_rules,
    fired,
    hit_columns,
    plain,
    rule_columns,
    rule_floors,
    unquoted,
)

__all__ = [
    "RULES",
    "Rule",
    "RuleFeatures",
    "compiled_rules",
    "fired",
    "plain",
    "rule_floors",
    "unquoted",
]


class RuleFeatures(TransformerMixin, BaseEstimator):
    """One sparse 0/`weight` column per rule; a countered strong (or counterable) rule is 0."""

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    def fit(self, X: Any, y: object = None) -> RuleFeatures:
        """Validate the texts and record the rule names (the columns)."""
        as_text_list(X)
        self.rule_names_ = [r.name for r in RULES]
        return self

    def transform(self, X: Any) -> sp.csr_matrix:
        """Return a (n_texts, n_rules) sparse matrix of rule hits."""
        check_is_fitted(self)
        texts = as_text_list(X)
        # Columns follow the names recorded at fit time: a model fitted with an older rule
        # set keeps its width, and a rule it never saw is not smuggled in.
        columns = rule_columns(self.rule_names_)
        rows: list[int] = []
        cols: list[int] = []
        for i, text in enumerate(texts):
            hits = hit_columns(text, columns)
            rows.extend([i] * len(hits))
            cols.extend(hits)
        data = np.full(len(rows), float(self.weight))
        return sp.csr_matrix((data, (rows, cols)), shape=(len(texts), len(columns)))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Return `rule:<name>` per column."""
        return np.array([f"rule:{n}" for n in self.rule_names_], dtype=object)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        return tags
