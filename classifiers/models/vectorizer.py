"""A TF-IDF vectorizer whose fitted vocabulary is stored as one string in model files."""

from __future__ import annotations

from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer

_SEP = "\n"  # normalised texts never contain a newline, so no n-gram does


class CompactTfidfVectorizer(TfidfVectorizer):
    """`TfidfVectorizer` that saves `vocabulary_` as one newline-joined string.

    Why: skops writes a dict entry as a typed node each, so 120k n-grams made a 120 MB schema
    that took ~15 s to load on every `waspada classify`. Behaviour is otherwise identical.
    """

    def __getstate__(self) -> dict[str, Any]:
        # A copy: object.__getstate__ returns the live __dict__.
        state = dict(super().__getstate__())
        vocab = state.get("vocabulary_")
        if isinstance(vocab, dict) and vocab:
            terms = sorted(vocab, key=vocab.__getitem__)
            dense = all(int(vocab[t]) == i for i, t in enumerate(terms))
            if dense and not any(_SEP in t for t in terms):
                del state["vocabulary_"]
                state["packed_vocabulary_"] = _SEP.join(terms)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        packed = state.pop("packed_vocabulary_", None)
        if packed is not None:
            state["vocabulary_"] = {t: i for i, t in enumerate(packed.split(_SEP))}
        super().__setstate__(state)
