"""Hashed char_wb 3-5 and word 1-2 n-gram features of normalised texts (no scikit-learn)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from classifiers.text.ngrams import (
    IdBytes,
    WordCache,
    char_wb_grams,
    flat_count_matrix,
    hashed_index,
    word_grams,
    word_rows_matrix,
)

N_FEATURES = 2**20
WORD = re.compile(r"\S+")  # the normaliser already split words; keep its tokens as they are
CHAR_RANGE = (3, 5)


def _hash_words(words: list[str]) -> list[IdBytes]:
    # All n-grams of all unseen words hashed in one vectorised call, then split per word
    # (packed as `WordCache` holds them: int32, as `pack` would write them).
    grams = [char_wb_grams(w, *CHAR_RANGE) for w in words]
    flat = hashed_index([g for gs in grams for g in gs], N_FEATURES).astype(np.int32).tobytes()
    out, start, size = [], 0, np.dtype(np.int32).itemsize
    for gs in grams:
        end = start + len(gs) * size
        out.append(flat[start:end])
        start = end
    return out


# Per distinct word: its hashed char n-grams (a debunk base and posts reuse few words).
_CHAR_CACHE = WordCache(_hash_words)


def char_ids(words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return the words' hashed char n-gram ids, flat (int64 ptr per word, int32 ids)."""
    packed = _CHAR_CACHE.lookup(words)
    per_word = [packed[w] for w in words]
    ptr = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, per_word), np.int64, len(words)), out=ptr[1:])
    ptr //= np.dtype(np.int32).itemsize
    return ptr, np.frombuffer(b"".join(per_word), dtype=np.int32)


def seed_char_ids(words: Sequence[str], ptr: np.ndarray, ids: np.ndarray) -> None:
    """Put `char_ids(words)`'s output back in the cache, as if `featurize_texts` had met them.

    Why: a saved index's words are the words posts share with debunks. Each worker of
    `waspada classify` would otherwise hash the common ones again (about 10 us a word).
    """
    raw = np.ascontiguousarray(ids, dtype=np.int32).tobytes()
    at = (ptr * np.dtype(np.int32).itemsize).tolist()
    _CHAR_CACHE.seed({w: raw[a:b] for w, a, b in zip(words, at, at[1:], strict=False)})


def featurize_texts(texts: Sequence[str]) -> list[sp.csr_matrix]:
    """Return the binary hashed (char_wb 3-5, word 1-2) matrices of normalised texts.

    The same columns sklearn's `HashingVectorizer(alternate_sign=False, binary=True)` gives
    (MurmurHash3, 2**20 columns), computed without importing sklearn.
    """
    split = [t.split() for t in texts]
    cache = _CHAR_CACHE.lookup([w for ws in split for w in ws])
    chars = word_rows_matrix(split, cache, N_FEATURES, np.float32)
    chars.data.fill(1.0)
    grams = [word_grams(WORD.findall(t)) for t in texts]
    indptr = np.zeros(len(grams) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, grams), np.int64, len(grams)), out=indptr[1:])
    flat = hashed_index([g for gs in grams for g in gs], N_FEATURES)
    words = flat_count_matrix(flat, indptr, N_FEATURES, np.float32)
    words.data.fill(1.0)
    return [chars, words]


def squared_idf(df: np.ndarray, n_rows: int) -> np.ndarray:
    """Return each column's float32 weight `(log((n_rows + 1) / (df + 1)) + 1) ** 2`.

    Computed once per distinct count and gathered: the same float64 operations on the same
    values, so the same bits, without a logarithm per each of the 2**20 columns at start-up.
    """
    # `df` holds whole counts (float64 sums of bincounts); the table uses its dtype.
    counts = np.arange(int(df.max(initial=0)) + 1, dtype=df.dtype)
    idf = np.log((n_rows + 1) / (counts + 1)) + 1.0
    return (idf**2).astype(np.float32)[df.astype(np.int64)]
