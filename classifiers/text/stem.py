"""The `Stemmer` pipeline step; the cached stemming itself is in `classifiers.text.stemming`."""

from __future__ import annotations

from typing import Any

from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from classifiers.text.normal_form import as_text_list
from classifiers.text.stemming import cache_size, stem_word

__all__ = ["Stemmer", "cache_size", "stem_word"]


class Stemmer(TransformerMixin, BaseEstimator):
    """Stem every word of already-normalised texts (identity when `enabled` is False)."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled

    def fit(self, X: Any, y: object = None) -> Stemmer:
        """Nothing to learn; validates the texts and records that it is fitted."""
        as_text_list(X)
        self.is_fitted_ = True
        return self

    def transform(self, X: Any) -> list[str]:
        """Return the texts with each word replaced by its stem."""
        check_is_fitted(self)
        texts = as_text_list(X)
        if not self.enabled:
            return texts
        return [" ".join(stem_word(w) for w in t.split()) for t in texts]

    def get_feature_names_out(self, input_features: Any = None) -> Any:
        """Text in, text out: the names (if any) pass through unchanged."""
        return input_features

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        return tags
