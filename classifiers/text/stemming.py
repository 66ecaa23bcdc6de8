"""Sastrawi stemming with a process-wide cache and protected election vocabulary (no sklearn)."""

from __future__ import annotations

import functools
import threading
from typing import Any

from classifiers.text.curated import PROTECTED_WORDS

# Why a shared cache: uncached Sastrawi costs about 1 ms per word; posts reuse few words.
_CACHE: dict[str, str] = {}
_CACHE_LIMIT = 500_000
_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _stemmer() -> Any:
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    stemmer = StemmerFactory().create_stemmer()
    # Why: Sastrawi 1.0.1 keeps its 30k-word dictionary in a list, so every lookup is a linear
    # scan (~25 ms per word measured here). Its `contains` is `word in self.words`; a frozenset
    # gives the same answers in constant time. Guarded so another Sastrawi layout still works.
    dictionary = getattr(getattr(stemmer, "delegatedStemmer", None), "dictionary", None)
    if dictionary is not None and isinstance(getattr(dictionary, "words", None), list):
        dictionary.words = frozenset(dictionary.words)
    return stemmer


def stem_word(word: str) -> str:
    """Stem one lower-case word, leaving protected and special tokens unchanged."""
    cached = _CACHE.get(word)
    if cached is not None:
        return cached
    if word in PROTECTED_WORDS or not word.isalpha() or word.endswith("token") or len(word) < 4:
        stemmed = word
    else:
        stemmed = _stemmer().stem(word) or word
    with _LOCK:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[word] = stemmed
    return stemmed


def cache_size() -> int:
    """Return how many words the shared stem cache holds."""
    return len(_CACHE)
