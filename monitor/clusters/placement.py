"""Clustering before the insert: a copy of a stored message is stored with its cluster set.

Why: pointing a stored post at its cluster afterwards wrote a new version of the wide posts
row through every posts index (no HOT update: `cluster_id` is indexed), the server's largest
arrival cost. Signatures need only the text, so the stored first copies a new post may join
are found before it is inserted; the flow's clustering step (`service.assign_clusters`)
then decides with the page's own first copies too, reusing what was found here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from classifiers.neardup import NearDupIndex, Signature, stored_band_keys_many, text_signatures
from monitor.clusters import repository
from monitor.clusters.service import Placed, _best, _Head, _stored_heads

if TYPE_CHECKING:
    from monitor.clusters.readahead import ReadAhead

# Stand-in post ids for items not inserted yet, counted down from the top of the id range
# (`_stored_heads` packs ids in 32 bits; a stored post never reaches these).
_TOP = 2**31 - 1

# A text's signature and its band keys (both None for a text too short to sign).
Signed = tuple[Signature | None, list[int] | None]


def sign_texts(items: Sequence[tuple[tuple[str, str], str]]) -> dict[tuple[str, str], Signed]:
    """Return the signature and band keys of each (key, text), computed from the texts alone.

    Needs no database: `waspada ingest` and the collectors sign a page while the previous
    page is being stored, and hand the result to `Placement(signed=)`.
    """
    computed = text_signatures([text or "" for _, text in items])
    present = [sig for sig in computed if sig is not None]
    bands = iter(stored_band_keys_many(present))
    return {
        key: (sig, next(bands) if sig is not None else None)
        for (key, _), sig in zip(items, computed, strict=True)
    }


class Placement:
    """The `place` callable `posts.service.ingest` asks once per page, before inserting."""

    def __init__(
        self,
        session: Session,
        now: datetime,
        signed: Mapping[tuple[str, str], Signed] | None = None,
        ahead: ReadAhead | None = None,
    ) -> None:
        self.session = session
        self.ahead = ahead  # band rows and candidates read while the page before was stored
        self.now = now
        self.placed = Placed()
        self.signed = signed or {}

    def __call__(
        self, items: Sequence[tuple[tuple[str, str], str]]
    ) -> Mapping[tuple[str, str], int]:
        """Return the cluster of each item that joins a stored first copy (made when needed)."""
        if not items:
            return {}
        placed = self.placed
        missing = [(key, text) for key, text in items if key not in self.signed]
        signed = {**self.signed, **sign_texts(missing)} if missing else self.signed
        stand_in = {key: _TOP - n for n, (key, _) in enumerate(items)}
        sigs = {}
        keys: dict[int, list[int]] = {}
        for key, _ in items:
            sig, bands = signed[key]
            placed.sigs[key] = sig
            if sig is not None and bands is not None:
                sigs[stand_in[key]] = sig
                keys[stand_in[key]] = bands
        if not sigs:
            return {}
        threshold = NearDupIndex().threshold
        stored = _stored_heads(self.session, keys, sigs, self.now, threshold, self.ahead)
        chosen: dict[tuple[str, str], _Head] = {}
        for key, post_id in stand_in.items():
            if post_id not in sigs:
                continue
            placed.bands[key] = keys[post_id]
            options = stored.options(post_id)
            placed.options[key] = options
            head = _best(sigs[post_id], options, threshold)
            if head is not None:
                chosen[key] = head
        self._give_clusters(list(chosen.values()))
        return {key: h.cluster_id for key, h in chosen.items() if h.cluster_id is not None}

    def _give_clusters(self, heads: list[_Head]) -> None:
        """Make the clusters chosen stored first copies lack, backfilling them (locked first)."""
        lone = sorted({h.post_id for h in heads if h.cluster_id is None})
        # Held until the page commits: another arrival backfilling one of them waits, then
        # finds this page's cluster (`claim_heads`).
        now_in = repository.claim_heads(self.session, lone)
        by_id = {h.post_id: h for h in heads}
        rows: list[dict[str, Any]] = []
        for post_id in lone:
            head = by_id[post_id]
            if now_in.get(post_id) is not None:
                head.cluster_id = now_in[post_id]
                continue
            rows.append(
                {
                    "representative_post_id": post_id,
                    "signature": head.signature.to_json(),
                    "first_seen": self.now,
                    "last_seen": self.now,
                    "size": 0,
                }
            )
        ids = repository.insert_clusters(self.session, rows)
        made = [(int(r["representative_post_id"]), c) for r, c in zip(rows, ids, strict=True)]
        for post_id, cluster_id in made:
            by_id[post_id].cluster_id = cluster_id
            self.placed.created[post_id] = cluster_id
        # The one-time backfill of each first copy; its copies are inserted pointing here.
        repository.set_post_clusters(self.session, made)
