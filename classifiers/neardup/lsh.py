"""A banded LSH index from signature bands to item ids, with verification on estimates."""

from __future__ import annotations

from collections import defaultdict

from classifiers.neardup.minhash import NUM_PERM, Signature

BANDS = 16
ROWS = NUM_PERM // BANDS
# Estimated Jaccard at or above which two texts are copies of one message; chosen on the
# labelled near-copy / look-alike set in `waspada bench cluster` (see docs).
THRESHOLD = 0.6


class NearDupIndex:
    """Signatures by id, findable by any shared band (candidates are then verified)."""

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self._bands: list[defaultdict[bytes, list[int]]] = [defaultdict(list) for _ in range(BANDS)]
        self.signatures: dict[int, Signature] = {}

    def __len__(self) -> int:
        return len(self.signatures)

    def _keys(self, sig: Signature) -> list[bytes]:
        return [sig.values[b * ROWS : (b + 1) * ROWS].tobytes() for b in range(BANDS)]

    def add(self, item: int, sig: Signature) -> None:
        """Index a signature under an id (re-adding an id replaces it)."""
        if item in self.signatures:
            self.remove(item)
        self.signatures[item] = sig
        for band, key in zip(self._bands, self._keys(sig), strict=True):
            band[key].append(item)

    def remove(self, item: int) -> None:
        """Forget an id (a cluster deleted or rolled back)."""
        sig = self.signatures.pop(item, None)
        if sig is None:
            return
        for band, key in zip(self._bands, self._keys(sig), strict=True):
            ids = band.get(key)
            if ids is not None and item in ids:
                ids.remove(item)
                if not ids:
                    del band[key]

    def query(self, sig: Signature) -> list[tuple[int, float]]:
        """Return (id, estimated Jaccard) of indexed items at or above threshold, best first."""
        seen: set[int] = set()
        for band, key in zip(self._bands, self._keys(sig), strict=True):
            seen.update(band.get(key, ()))
        scored = [(i, sig.similarity(self.signatures[i])) for i in seen]
        return sorted((s for s in scored if s[1] >= self.threshold), key=lambda s: (-s[1], s[0]))
