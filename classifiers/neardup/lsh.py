"""A banded LSH index from signature bands to item ids, with verification on estimates."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from classifiers.neardup.minhash import NUM_PERM, Signature

BANDS = 16
ROWS = NUM_PERM // BANDS
# Estimated Jaccard at or above which two texts are copies of one message; chosen on the
# labelled near-copy / look-alike set that `waspada bench cluster` builds and scores.
THRESHOLD = 0.6
_MIX = np.uint64(0x9E3779B97F4A7C15)
# Bounds that keep a flood linear (issue 13: 1,000 posts filling one template with other
# names all shared bands, so each query compared against every earlier cluster). A bucket
# keeps its newest BUCKET_CAP ids; a query verifies at most MAX_CANDIDATES, most shared
# bands first. A real copy shares many bands with its cluster, so it still ranks first.
BUCKET_CAP = 32
MAX_CANDIDATES = 48


def band_keys(sig: Signature) -> list[int]:
    """Return one integer key per band (ROWS uint32 values folded into 64 bits)."""
    rows = sig.values.reshape(BANDS, ROWS).astype(np.uint64)
    key = np.zeros(BANDS, dtype=np.uint64)
    for r in range(ROWS):
        key = key * _MIX + rows[:, r]
    return [int(k) for k in key]


def stored_band_keys(sig: Signature) -> list[int]:
    """Return BANDS signed 64-bit keys, one per band, distinct across bands (for a database)."""
    # Why fold the band number in: the same four values in band 2 and band 9 are no evidence.
    out = []
    for band, key in enumerate(band_keys(sig)):
        mixed = (key ^ (band * 0x9E3779B97F4A7C15)) & 0xFFFF_FFFF_FFFF_FFFF
        out.append(mixed - (1 << 64) if mixed >= 1 << 63 else mixed)
    return out


def stored_band_keys_many(signatures: Sequence[Signature]) -> list[list[int]]:
    """Return `stored_band_keys` of many signatures with one numpy pass."""
    if not signatures:
        return []
    values = np.stack([s.values for s in signatures]).astype(np.uint64)
    rows = values.reshape(len(signatures), BANDS, ROWS)
    key = np.zeros((len(signatures), BANDS), dtype=np.uint64)
    for r in range(ROWS):
        key = key * _MIX + rows[:, :, r]
    key ^= np.arange(BANDS, dtype=np.uint64) * _MIX
    # Two's complement view = the signed 64-bit integer a database column holds.
    return key.view(np.int64).tolist()


class NearDupIndex:
    """Signatures by id, findable by any shared band (candidates are then verified).

    A bucket holds a bare id until a second id shares it: most bands of most clusters are
    unique, and an int costs far less memory than a one-element list.
    """

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self._bands: list[dict[int, int | list[int]]] = [{} for _ in range(BANDS)]
        self.signatures: dict[int, Signature] = {}

    def __len__(self) -> int:
        return len(self.signatures)

    def add(self, item: int, sig: Signature) -> None:
        """Index a signature under an id (re-adding an id replaces it)."""
        if item in self.signatures:
            self.remove(item)
        self.signatures[item] = sig
        for band, key in zip(self._bands, band_keys(sig), strict=True):
            held = band.get(key)
            if held is None:
                band[key] = item
            elif isinstance(held, list):
                held.append(item)
                if len(held) > BUCKET_CAP:
                    del held[0]  # the oldest id stays findable through its other bands
            else:
                band[key] = [held, item]

    def remove(self, item: int) -> None:
        """Forget an id (a cluster deleted or rolled back)."""
        sig = self.signatures.pop(item, None)
        if sig is None:
            return
        for band, key in zip(self._bands, band_keys(sig), strict=True):
            held = band.get(key)
            if held == item:
                del band[key]
            elif isinstance(held, list) and item in held:
                held.remove(item)
                if len(held) == 1:
                    band[key] = held[0]

    def query(self, sig: Signature) -> list[tuple[int, float]]:
        """Return (id, estimated Jaccard) of items at or above threshold whose names agree."""
        shared: dict[int, int] = {}
        for band, key in zip(self._bands, band_keys(sig), strict=True):
            held = band.get(key)
            if held is None:
                continue
            for item in held if isinstance(held, list) else (held,):
                shared[item] = shared.get(item, 0) + 1
        # At most BANDS * BUCKET_CAP ids reach here; verify the most promising few.
        seen = sorted(shared, key=lambda i: (-shared[i], -i))[:MAX_CANDIDATES]
        scored = [(i, sig.similarity(self.signatures[i])) for i in seen]
        kept = [
            s for s in scored if s[1] >= self.threshold and self.signatures[s[0]].names_agree(sig)
        ]
        return sorted(kept, key=lambda s: (-s[1], s[0]))
