"""Normalisation of Indonesian social-media text into one lower-case token stream.

The functions live in `classifiers.text.normal_form` (importable without scikit-learn);
this module adds the `Normalizer` step that saved pipelines reference by this path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from classifiers.data.lexicons import load_slang_and_vocab
from classifiers.text.normal_form import (
    EMOJI_TOKEN,
    HASHTAG_TOKEN,
    MENTION_TOKEN,
    MONEY_TOKEN,
    QUOTE_TOKEN,
    URL_TOKEN,
    as_text_list,
    build_table,
    decode_escapes,
    normalize,
    parse_table,
    split_hashtag,
)

__all__ = [
    "EMOJI_TOKEN",
    "HASHTAG_TOKEN",
    "MENTION_TOKEN",
    "MONEY_TOKEN",
    "QUOTE_TOKEN",
    "URL_TOKEN",
    "Normalizer",
    "as_text_list",
    "build_table",
    "decode_escapes",
    "normalize",
    "parse_table",
    "split_hashtag",
]


class Normalizer(TransformerMixin, BaseEstimator):
    """Normalise texts; `fit` loads slang lexicons (public files + the curated list)."""

    def __init__(
        self, lexicons: Sequence[tuple[str, str]] | None = None, max_chars: int | None = None
    ) -> None:
        self.lexicons = lexicons
        # Long articles are cut (after fingerprints are stripped) the same way in training and
        # scoring: a claim shows in its opening, and char n-grams over whole articles are slow.
        self.max_chars = max_chars

    def fit(self, X: Any, y: object = None) -> Normalizer:
        """Build the slang table and the hashtag vocabulary; texts are only validated."""
        if X is not None:
            as_text_list(X)
        slang, vocab = load_slang_and_vocab(self.lexicons or ())
        self.slang_table_ = build_table(slang)
        self.vocab_table_ = build_table(dict.fromkeys(vocab, ""))
        self.n_slang_ = len(slang)
        return self

    def transform(self, X: Any) -> list[str]:
        """Return one normalised string per input text."""
        check_is_fitted(self)
        slang = parse_table(self.slang_table_)
        vocab = parse_table(self.vocab_table_)
        limit = getattr(self, "max_chars", None)  # models saved before the option existed
        return [normalize(t, slang, vocab, limit) for t in as_text_list(X)]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags
