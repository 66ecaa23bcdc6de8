"""Band rows of stored signatures (the migration that narrowed post_bands backfills with it)."""

from __future__ import annotations

from collections.abc import Iterable

from classifiers.neardup import Signature, stored_band_keys


def band_rows(signatures: Iterable[tuple[int, object]]) -> list[dict[str, int]]:
    """Return the post_bands rows of (post id, stored signature JSON); unreadable ones skip."""
    rows: list[dict[str, int]] = []
    for post_id, stored in signatures:
        sig = Signature.from_json(stored)
        if sig is not None:
            rows.extend({"band_key": k, "post_id": post_id} for k in stored_band_keys(sig))
    return rows
