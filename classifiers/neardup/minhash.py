"""MinHash signatures of normalised texts, vectorised with numpy and stable across processes.

Why not datasketch's MinHash: it hashes every shingle with SHA-1 in Python, which measured
about 4x slower here (docs/factchecks-clusters.md); the permutation scheme is the same.
"""

from __future__ import annotations

import base64
import zlib
from dataclasses import dataclass

import numpy as np

from classifiers.text.normalize import (
    EMOJI_TOKEN,
    HASHTAG_TOKEN,
    MENTION_TOKEN,
    URL_TOKEN,
    normalize,
)

NUM_PERM = 64
SHINGLE = 3  # word 3-grams: one changed name alters three shingles, a typo no more
# Texts with fewer real words than this are not clustered: URL-only, hashtag-only and
# one-line reactions ("setuju!", "hoax") would otherwise pile into meaningless clusters.
MIN_WORDS = 5
# Bounded work on 100 KB pastes: copies are recognised from their first 2,000 words.
MAX_WORDS = 2000
MAX_CHARS = 40_000
# Multiply-shift hashing (Dietzfelbinger et al.): (a*x + b) mod 2^64 with odd 64-bit a, top
# 32 bits kept. Fixed seed: signatures are persisted and compared across processes.
_rng = np.random.Generator(np.random.PCG64(20240214))
_A = _rng.integers(0, 2**64, size=NUM_PERM, dtype=np.uint64, endpoint=False) | np.uint64(1)
_B = _rng.integers(0, 2**64, size=NUM_PERM, dtype=np.uint64, endpoint=False)
_DROP = frozenset({URL_TOKEN, MENTION_TOKEN, HASHTAG_TOKEN, EMOJI_TOKEN, "!", "?"})


@dataclass(frozen=True)
class Signature:
    """A MinHash signature (NUM_PERM uint32 values)."""

    values: np.ndarray

    def similarity(self, other: Signature) -> float:
        """Estimate the Jaccard similarity of the two shingle sets."""
        return float(np.mean(self.values == other.values))

    def to_json(self) -> dict[str, object]:
        """Return the form stored in `clusters.signature`."""
        return {
            "v": 1,
            "perm": NUM_PERM,
            "minhash": base64.b64encode(self.values.tobytes()).decode(),
        }

    @classmethod
    def from_json(cls, data: object) -> Signature | None:
        """Read a stored signature; None when absent or of another scheme."""
        if not isinstance(data, dict) or data.get("v") != 1 or data.get("perm") != NUM_PERM:
            return None
        raw = data.get("minhash")
        if not isinstance(raw, str):
            return None
        try:
            values = np.frombuffer(base64.b64decode(raw, validate=True), dtype=np.uint32)
        except ValueError:
            return None
        return cls(values.copy()) if len(values) == NUM_PERM else None


def cluster_text(text: str) -> list[str] | None:
    """Return the words a text is clustered on, or None when it is too short to cluster."""
    if not isinstance(text, str):
        return None
    words = [w for w in normalize(text[:MAX_CHARS]).split() if w not in _DROP]
    if len(words) < MIN_WORDS:
        return None
    return words[:MAX_WORDS]


def signature(words: list[str]) -> Signature:
    """Compute the MinHash signature of a word list's SHINGLE-grams."""
    hashes = np.fromiter((zlib.crc32(w.encode()) for w in words), dtype=np.uint64, count=len(words))
    n = max(len(words) - SHINGLE + 1, 1)
    # Combine consecutive word hashes into one 32-bit shingle hash (order-sensitive).
    shingles = np.zeros(n, dtype=np.uint64)
    for offset in range(min(SHINGLE, len(words))):
        shingles = (shingles * np.uint64(0x01000193) + hashes[offset : offset + n]) & np.uint64(
            0xFFFFFFFF
        )
    shingles = np.unique(shingles)
    mixed = (shingles * np.uint64(0x9E3779B97F4A7C15)) ^ (shingles >> np.uint64(16))
    permuted = (mixed[:, None] * _A[None, :] + _B[None, :]) >> np.uint64(32)
    return Signature(permuted.min(axis=0).astype(np.uint32))
