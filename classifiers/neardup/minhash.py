"""MinHash signatures of texts, vectorised with numpy and stable across processes.

Shingles are character 5-grams of the lower-cased words: a typo or a slang spelling changes
a handful of them, where a word-3-gram scheme loses three whole shingles per edited word
(measured on edited copies of real BDC claims by `waspada bench cluster`). Why not
datasketch's MinHash: it hashes every shingle with SHA-1 in Python, several times slower
than this numpy pass; the permutation scheme is the same.

A signature also carries the message's names (capitalised words and numbers, hashed):
copies keep them, while the same template filled with other names does not.
"""

from __future__ import annotations

import base64
import re
import sys
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from classifiers.text.invisible import clean_text

NUM_PERM = 64
SHINGLE = 5  # characters
VERSION = 2  # v1 hashed word 3-grams of normalised text; not comparable
# Texts with fewer real words than this are not clustered: URL-only, hashtag-only and
# one-line reactions ("setuju!", "hoax") would otherwise pile into meaningless clusters.
MIN_WORDS = 5
# Bounded work on 100 KB pastes: copies are recognised from their first 2,000 words.
MAX_WORDS = 2000
MAX_CHARS = 40_000
# Names agree when at least this share of the two name sets is shared (a typo in one name
# of four still agrees; two names swapped for others do not).
NAMES_AGREE = 0.5
# Multiply-shift hashing (Dietzfelbinger et al.): (a*x + b) mod 2^64 with odd 64-bit a, top
# 32 bits kept. Fixed seed: signatures are persisted and compared across processes.
_rng = np.random.Generator(np.random.PCG64(20240214))
_A = _rng.integers(0, 2**64, size=NUM_PERM, dtype=np.uint64, endpoint=False) | np.uint64(1)
_B = _rng.integers(0, 2**64, size=NUM_PERM, dtype=np.uint64, endpoint=False)
# Shingle rows hashed at once by `text_signatures`: 512 x 64 uint64 = 256 KB stays in the
# CPU cache (a 16 MB block ran at half the speed of one text at a time).
_ROWS_AT_ONCE = 512
# Words are runs of letters and digits, lower-cased. Deliberately not the classifier's
# normaliser: stored signatures must not change when that normaliser is tuned, and this is
# about 7x cheaper (11 vs 76 us a post) with the same membership figures on the labelled set.
_WORD = re.compile(r"[^\W_]+")
# A capitalised word or a number that does not open a sentence.
_NAME = re.compile(r"(?<![.!?:*\n]\s)(?<!^)\b(?:[A-Z][\w'-]*[a-z][\w'-]*|\d[\d.,:/-]*\d|\d)\b")
_LINK_OR_TAG = re.compile(r"(?:https?://|www\.)\S+|[#@]\w+")
# Second byte of a packed signature: whether the names are known (see `Signature.names`).
_NAMES, _NO_NAMES = 1, 0


@dataclass(frozen=True)
class Signature:
    """A MinHash signature (NUM_PERM uint32 values) and the hashed names of the message."""

    values: np.ndarray
    names: frozenset[int] | None = None  # None: unknown (shouting, or an old signature)

    def similarity(self, other: Signature) -> float:
        """Estimate the Jaccard similarity of the two shingle sets."""
        return float(np.mean(self.values == other.values))

    def names_agree(self, other: Signature) -> bool:
        """Tell whether the names allow one message (both sides must differ to disagree)."""
        a, b = self.names, other.names
        if not a or not b or a <= b or b <= a:
            return True  # a copy may add or drop names; a different fill swaps them
        return len(a & b) / len(a | b) >= NAMES_AGREE

    def to_json(self) -> dict[str, object]:
        """Return the form stored in `clusters.signature`."""
        out: dict[str, object] = {
            "v": VERSION,
            "perm": NUM_PERM,
            "minhash": base64.b64encode(self.values.tobytes()).decode(),
        }
        if self.names is not None:
            out["names"] = sorted(self.names)
        return out

    def to_bytes(self) -> bytes:
        """Return the packed form stored in `post_signatures.packed` (read by `from_bytes`)."""
        # Why bytes: a page verifies thousands of stored candidates; a JSON + base64 decode
        # cost 15 us each, a slice of one joined buffer well under one.
        names = b"" if self.names is None else np.array(sorted(self.names), "<u4").tobytes()
        flag = _NO_NAMES if self.names is None else _NAMES
        return bytes((VERSION, flag)) + self.values.astype("<u4").tobytes() + names

    @classmethod
    def from_bytes(cls, data: object) -> Signature | None:
        """Read a packed signature; None when absent, truncated or of another scheme."""
        if not isinstance(data, bytes | bytearray | memoryview):
            return None
        raw = bytes(data)
        size = _PACKED
        if not readable(raw):
            return None
        values = np.frombuffer(raw, "<u4", NUM_PERM, 2)  # read-only view, never written
        if raw[1] == _NO_NAMES:
            return cls(values, None)
        if sys.byteorder == "little":
            return cls(values, frozenset(memoryview(raw)[size:].cast("I")))
        return cls(values, frozenset(np.frombuffer(raw, "<u4", offset=size).tolist()))

    @classmethod
    def from_json(cls, data: object) -> Signature | None:
        """Read a stored signature; None when absent or of another scheme."""
        if not isinstance(data, dict) or data.get("v") != VERSION or data.get("perm") != NUM_PERM:
            return None
        raw = data.get("minhash")
        if not isinstance(raw, str):
            return None
        try:
            values = np.frombuffer(base64.b64decode(raw, validate=True), dtype=np.uint32)
        except ValueError:
            return None
        names = data.get("names")
        parsed = (
            frozenset(names)
            if isinstance(names, list) and all(isinstance(n, int) for n in names)
            else None
        )
        return cls(values.copy(), parsed) if len(values) == NUM_PERM else None


_PACKED = 2 + 4 * NUM_PERM  # version and names-flag bytes, then the values


def readable(raw: bytes) -> bool:
    """Tell whether bytes are a packed signature `Signature.from_bytes` can read."""
    size = _PACKED
    if len(raw) < size or raw[0] != VERSION or raw[1] not in (_NAMES, _NO_NAMES):
        return False
    return not ((len(raw) - size) % 4 or (raw[1] == _NO_NAMES and len(raw) > size))


def packed_values(packed: Sequence[bytes]) -> np.ndarray:
    """Return the MinHash values of readable packed signatures stacked, one row each."""
    # Why one buffer: a page compares against thousands of stored first copies; one
    # frombuffer over their joined values replaces a decode per signature (names are read
    # only for the few whose values come close, see `Signature.from_bytes`).
    joined = b"".join(raw[2:_PACKED] for raw in packed)
    return np.frombuffer(joined, "<u4").reshape(len(packed), NUM_PERM)


def cluster_text(text: str) -> list[str] | None:
    """Return the words a text is clustered on, or None when it is too short to cluster."""
    if not isinstance(text, str):
        return None
    # Invisible padding (U+3164, zero-width spaces) would split words and hide a copy.
    text = clean_text(text[:MAX_CHARS])
    # Links, hashtags and mentions go first: a post made only of them has no message to copy.
    words = _WORD.findall(_LINK_OR_TAG.sub(" ", text).lower())
    if len(words) < MIN_WORDS:
        return None
    return words[:MAX_WORDS]


def names_of(text: str) -> frozenset[int] | None:
    """Return the hashed names and numbers of a raw text (None when it shouts in capitals)."""
    if not isinstance(text, str):
        return None
    text = _LINK_OR_TAG.sub(" ", clean_text(text[:MAX_CHARS]))
    upper = sum(map(str.isupper, text))
    if upper > sum(map(str.islower, text)):
        return None  # ALL CAPS: every word looks like a name
    found = {m.group(0).lower().rstrip(".,") for m in _NAME.finditer(text)}
    return frozenset(zlib.crc32(n.encode()) for n in found)


def signature(words: list[str], names: frozenset[int] | None = None) -> Signature:
    """Compute the MinHash signature of the words' SHINGLE-character grams."""
    raw = np.frombuffer(" ".join(words).encode(), dtype=np.uint8).astype(np.uint64)
    n = max(len(raw) - SHINGLE + 1, 1)
    if len(raw) < SHINGLE:
        raw = np.concatenate([raw, np.zeros(SHINGLE - len(raw), dtype=np.uint64)])
    # A polynomial hash of each window of SHINGLE bytes (wrapping in 64 bits).
    shingles = np.zeros(n, dtype=np.uint64)
    for offset in range(SHINGLE):
        shingles = shingles * np.uint64(257) + raw[offset : offset + n]
    shingles = np.unique(shingles)
    mixed = (shingles * np.uint64(0x9E3779B97F4A7C15)) ^ (shingles >> np.uint64(29))
    permuted = (mixed[:, None] * _A[None, :] + _B[None, :]) >> np.uint64(32)
    return Signature(permuted.min(axis=0).astype(np.uint32), names)


def text_signature(text: str) -> Signature | None:
    """Return the signature of a raw text with its names, or None when it is too short."""
    words = cluster_text(text)
    return None if words is None else signature(words, names_of(text))


def text_signatures(texts: Sequence[str]) -> list[Signature | None]:
    """Return `text_signature` of every text, hashing the shingles of all of them at once."""
    # Why per page: the numpy calls of one tweet cost more than its arithmetic; one pass over
    # the page's shingles gives the same minima (a min ignores repeated shingles and order).
    words = [cluster_text(t) for t in texts]
    blobs = [" ".join(w).encode() for w in words if w is not None]
    minima = iter(_minhash_many(blobs))
    out: list[Signature | None] = []
    for text, w in zip(texts, words, strict=True):
        out.append(None if w is None else Signature(next(minima), names_of(text)))
    return out


def _minhash_many(blobs: Sequence[bytes]) -> list[np.ndarray]:
    """Return the MinHash values of each byte string (same as `signature` computes)."""
    if any(len(b) < SHINGLE for b in blobs):  # never for MIN_WORDS words; kept exact anyway
        return [signature(b.decode().split()).values for b in blobs]
    if not blobs:
        return []
    lengths = np.fromiter(map(len, blobs), dtype=np.int64, count=len(blobs))
    raw = np.frombuffer(b"".join(blobs), dtype=np.uint8).astype(np.uint64)
    n = len(raw) - SHINGLE + 1
    hashed = np.zeros(n, dtype=np.uint64)
    for offset in range(SHINGLE):
        hashed = hashed * np.uint64(257) + raw[offset : offset + n]
    # Keep the windows that lie inside one text (none spans the join of two).
    counts = lengths - SHINGLE + 1
    starts = np.cumsum(lengths) - lengths
    firsts = np.cumsum(counts) - counts
    index = np.repeat(starts - firsts, counts) + np.arange(int(counts.sum()))
    shingles = hashed[index]
    mixed = (shingles * np.uint64(0x9E3779B97F4A7C15)) ^ (shingles >> np.uint64(29))
    values = np.empty((len(blobs), NUM_PERM), dtype=np.uint32)
    ends = firsts + counts
    lo = 0
    while lo < len(blobs):
        # The texts whose shingles fit in one block (at least one text, however long).
        hi = max(int(np.searchsorted(ends, firsts[lo] + _ROWS_AT_ONCE, side="right")), lo + 1)
        block = mixed[firsts[lo] : ends[hi - 1]]
        permuted = block[:, None] * _A[None, :]
        permuted += _B[None, :]
        # The top 32 bits of the minimum are the minimum of the top 32 bits (a shift is
        # monotone), so one shift per text instead of one per shingle.
        lowest = np.minimum.reduceat(permuted, firsts[lo:hi] - firsts[lo], axis=0)
        values[lo:hi] = lowest >> np.uint64(32)
        lo = hi
    return list(values)
