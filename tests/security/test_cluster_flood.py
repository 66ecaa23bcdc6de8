"""Issue 13, finding 7: a template flood keeps clustering linear (bounded work per post).

Timings are measured by `waspada bench cluster --flood 1000`, not asserted; this test checks
the bounds that make the work per post constant, and that real copies are still joined.
"""

from __future__ import annotations

import pytest

from classifiers.neardup import NearDupIndex, text_signature
from classifiers.neardup import lsh as lsh_module
from classifiers.neardup.minhash import Signature
from monitor.cli.bench.clusters_data import template_flood


def test_a_template_flood_costs_a_bounded_number_of_comparisons(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = template_flood(600)
    index = NearDupIndex()
    for i, text in enumerate(texts):
        sig = text_signature(text)
        assert sig is not None
        index.add(i, sig)
    for band in index._bands:
        assert all(len(v) <= lsh_module.BUCKET_CAP for v in band.values() if isinstance(v, list))
    calls: list[int] = []
    real = Signature.similarity

    def counting(self: Signature, other: Signature) -> float:
        calls.append(1)
        return real(self, other)

    monkeypatch.setattr(Signature, "similarity", counting)
    probe = text_signature(template_flood(601)[-1])
    assert probe is not None
    index.query(probe)
    # Before: one comparison per earlier cluster (600 here, 1,000 in the attack).
    assert 0 < len(calls) <= lsh_module.MAX_CANDIDATES


def test_copies_still_join_their_cluster_inside_a_flood() -> None:
    texts = template_flood(400)
    index = NearDupIndex()
    for i, text in enumerate(texts):
        sig = text_signature(text)
        assert sig is not None
        index.add(i, sig)
    for target in (3, 150, 399):  # old, middle and newest clusters of the flood
        copy = "Sebarkan! " + texts[target].replace("sebelum terlambat", "segera")
        sig = text_signature(copy)
        assert sig is not None
        hits = index.query(sig)
        assert hits and hits[0][0] == target
