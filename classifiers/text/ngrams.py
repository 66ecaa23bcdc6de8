"""N-gram counting without scikit-learn: the same n-grams, counts and hashes, computed faster.

Why: `waspada classify` must answer in under two seconds and `import sklearn` alone costs
about a second; and sklearn's `char_wb` analyzer builds every n-gram of every word of every
text in Python. Character n-grams of `char_wb` never cross a word, so a text's n-grams are
the sum of its words' n-grams: they are computed once per distinct word and cached.
Equality with sklearn's `TfidfVectorizer` / `HashingVectorizer` is tested
(tests/classifiers/test_compiled.py).
"""

from __future__ import annotations

import itertools
import re
import threading
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

WORD_PATTERN = re.compile(r"(?u)\b\w+\b")  # sklearn's default token_pattern as the model uses it
CACHE_LIMIT = 300_000  # distinct words kept per cache (cleared when full: bounded memory)
_ID_SIZE = np.dtype(np.int32).itemsize
assert array("i").itemsize == _ID_SIZE  # `pack` writes what `np.frombuffer(np.int32)` reads


def char_wb_grams(word: str, lo: int, hi: int) -> list[str]:
    """Return the `char_wb` n-grams of one word, exactly as sklearn's `_char_wb_ngrams`."""
    w = " " + word + " "
    w_len = len(w)
    out = []
    for n in range(lo, hi + 1):
        offset = 0
        out.append(w[offset : offset + n])
        while offset + n < w_len:
            offset += 1
            out.append(w[offset : offset + n])
        if offset == 0:  # a word shorter than n is counted once
            break
    return out


def word_grams(tokens: Sequence[str]) -> list[str]:
    """Return unigrams then bigrams (joined by a space), as sklearn's `ngram_range=(1, 2)`."""
    return [*tokens, *(f"{a} {b}" for a, b in itertools.pairwise(tokens))]


# A word's feature ids as a cache holds them: native int32s packed in bytes (see `pack`).
IdBytes = bytes


def pack(ids: Iterable[int]) -> IdBytes:
    """Return feature ids as a cache stores them (native int32, the dtype of csr indices)."""
    return array("i", ids).tobytes()


def unpack(packed: IdBytes) -> list[int]:
    """Return the feature ids `pack` packed."""
    return array("i", packed).tolist()


class WordCache:
    """Feature ids per distinct word, computed for a batch of unseen words at once.

    Why bytes and not lists: `word_rows_matrix` joins a batch's words' ids with one
    `bytes.join` instead of iterating a Python int per id (2.6 against 0.4 ms a batch of
    512 tweets), and a word's entry is a quarter of a list's memory.
    """

    def __init__(
        self, compute: Callable[[list[str]], list[IdBytes]], limit: int = CACHE_LIMIT
    ) -> None:
        self._compute = compute
        self._limit = limit
        self._ids: dict[str, IdBytes] = {}
        self._lock = threading.Lock()

    def lookup(self, words: Sequence[str]) -> dict[str, IdBytes]:
        """Return the packed ids of every given word (computing the unseen ones in one call)."""
        ids = self._ids
        unique = list(dict.fromkeys(words))
        missing = [w for w in unique if w not in ids]
        if not missing:
            return ids
        fresh = dict(zip(missing, self._compute(missing), strict=True))
        with self._lock:
            if len(ids) + len(fresh) <= self._limit:
                # Why the cache itself: it now holds every word asked for; a dict of just
                # these words cost 1 % of a classify worker, built for every batch.
                ids.update(fresh)
                return ids
            got = {w: fresh[w] if w in fresh else ids[w] for w in unique}
            # Why a new dict, not `clear()`: another thread may hold the old one that its
            # lookup returned and still be reading its batch's words from it.
            self._ids = dict(fresh)
        return got

    def seed(self, known: Mapping[str, IdBytes]) -> None:
        """Hold ids computed elsewhere by the same function (a saved index's words)."""
        with self._lock:
            if len(self._ids) + len(known) <= self._limit:
                self._ids.update(known)


def count_matrix(rows: Sequence[list[int]], n_features: int, dtype: type) -> sp.csr_matrix:
    """Return the csr count matrix of feature-id lists (duplicates summed, indices sorted)."""
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in rows], out=indptr[1:])
    flat = [i for r in rows for i in r]
    indices = np.asarray(flat, dtype=np.int32) if flat else np.zeros(0, np.int32)
    data: np.ndarray = np.ones(len(indices), dtype=dtype)
    mat = sp.csr_matrix((data, indices, indptr), shape=(len(rows), n_features))
    mat.sum_duplicates()
    return mat


def word_rows_matrix(
    texts_words: Sequence[Sequence[str]],
    ids: Mapping[str, IdBytes],
    n_features: int,
    dtype: type,
) -> sp.csr_matrix:
    """Return `count_matrix` of each text's words' ids concatenated (`ids`: packed, per word).

    The same matrix as `count_matrix([[j for w in ws for j in unpack(ids[w])] for ws in ...])`;
    why not that: building a Python list per text and flattening it again cost two list
    appends per id, about 0.02 ms a tweet; here the packed ids are joined once, in C.
    """
    words = [w for ws in texts_words for w in ws]
    per_word = [ids[w] for w in words]
    word_ptr = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, per_word), np.int64, len(per_word)), out=word_ptr[1:])
    word_ptr //= _ID_SIZE  # byte offsets to id offsets
    text_ptr = np.zeros(len(texts_words) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, texts_words), np.int64, len(texts_words)), out=text_ptr[1:])
    indptr = word_ptr[text_ptr]
    indices = np.frombuffer(b"".join(per_word), dtype=np.int32)
    return flat_count_matrix(indices, indptr, n_features, dtype)


def flat_count_matrix(
    indices: np.ndarray, indptr: np.ndarray, n_features: int, dtype: type
) -> sp.csr_matrix:
    """Return what `count_matrix` gives for rows already flattened (row i: indptr[i]:[i+1]).

    Why not scipy's `sum_duplicates`: it sorts each row's (column, value) pairs one row at a
    time; one vectorised sort of (row, column) keys is about a third cheaper. The counts are
    whole numbers, so the matrix is the same whatever order they are added in.
    """
    indptr = np.asarray(indptr, dtype=np.int64)
    n_rows = len(indptr) - 1
    rows = np.repeat(np.arange(n_rows, dtype=np.int64), np.diff(indptr))
    keys = rows * n_features + np.asarray(indices, dtype=np.int64)
    # Why stable: numpy's timsort uses the row blocks, already in order: about 40 %
    # faster than the default introsort here; equal integers, so the same array either way.
    keys.sort(kind="stable")
    first = np.empty(len(keys), dtype=bool)
    first[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts: np.ndarray = np.diff(starts, append=len(keys)).astype(dtype)
    unique = keys[starts]
    row_of = unique // n_features
    ptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(row_of, minlength=n_rows), out=ptr[1:])
    cols = (unique - row_of * n_features).astype(np.int32)
    mat = sp.csr_matrix((counts, cols, ptr), shape=(n_rows, n_features))
    mat.has_canonical_format = True  # sorted, no duplicates: by construction
    return mat


def tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Apply sublinear tf, idf and row l2 norm in place, as sklearn's `TfidfTransformer`."""
    data = counts.data
    np.log(data, out=data)
    data += 1.0
    data *= idf[counts.indices]
    sq = np.zeros(counts.shape[0], dtype=np.float64)
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    np.add.at(sq, rows, data.astype(np.float64) ** 2)
    norms = np.sqrt(sq)
    norms[norms == 0.0] = 1.0
    data /= norms[rows].astype(data.dtype)
    return counts


# MurmurHash3 x86 32-bit, vectorised over many byte strings (sklearn's `murmurhash3_32`).
_C1, _C2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def _fmix(h: np.ndarray) -> np.ndarray:
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def murmur3_32(tokens: Sequence[str], seed: int = 0) -> np.ndarray:
    """Return the signed 32-bit MurmurHash3 of each token's UTF-8 bytes (sklearn-compatible)."""
    # surrogatepass: a lone surrogate (valid JSON, invalid UTF-8) hashes instead of raising.
    encoded = [t.encode("utf-8", "surrogatepass") for t in tokens]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    out = np.empty(len(encoded), dtype=np.uint32)
    for length in np.unique(lengths).tolist():
        where = np.flatnonzero(lengths == length)
        h = np.full(len(where), seed, dtype=np.uint32)
        if length:
            raw = b"".join([encoded[i] for i in where.tolist()])
            buf = np.frombuffer(raw, dtype=np.uint8).reshape(len(where), length)
            n_blocks = length // 4
            if n_blocks:
                blocks = np.ascontiguousarray(buf[:, : n_blocks * 4]).view("<u4")
                for b in range(n_blocks):
                    k = blocks[:, b] * _C1
                    h ^= _rotl(k, 15) * _C2
                    h = _rotl(h, 13) * np.uint32(5) + np.uint32(0xE6546B64)
            tail = length & 3
            if tail:
                base = n_blocks * 4
                k1 = buf[:, base].astype(np.uint32)
                if tail >= 2:
                    k1 ^= buf[:, base + 1].astype(np.uint32) << np.uint32(8)
                if tail == 3:
                    k1 ^= buf[:, base + 2].astype(np.uint32) << np.uint32(16)
                h ^= _rotl(k1 * _C1, 15) * _C2
        h ^= np.uint32(length)
        out[where] = _fmix(h)
    return out.view(np.int32)


def hashed_index(tokens: Sequence[str], n_features: int) -> np.ndarray:
    """Return the column of each token as sklearn's `FeatureHasher` computes it."""
    h = murmur3_32(tokens).astype(np.int64)
    return np.abs(h) % n_features
