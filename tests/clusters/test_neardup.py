"""MinHash signatures, the names check, the LSH index and membership on real claims."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from classifiers.neardup import NearDupIndex, Signature, names_of, text_signature
from monitor.cli.bench import clusters as bench
from monitor.cli.bench import clusters_data as benchdata
from tests.clusters.test_clusters import COPIES, FORWARD, QUOTE, TEMPLATE, UNRELATED


def _sig(text: str) -> Signature:
    sig = text_signature(text)
    assert sig is not None
    return sig


def test_copies_are_similar_and_unrelated_texts_are_not() -> None:
    base = _sig(FORWARD)
    for copy in COPIES[1:]:
        assert base.similarity(_sig(copy)) >= 0.6
        assert base.names_agree(_sig(copy))
    for other in UNRELATED:
        assert base.similarity(_sig(other)) < 0.2


def test_template_with_other_names_is_vetoed_by_names() -> None:
    base, template = _sig(FORWARD), _sig(TEMPLATE)
    assert not base.names_agree(template)
    assert base.names_agree(_sig(QUOTE))  # names alone do not veto a quote; shingles do
    assert base.similarity(_sig(QUOTE)) < 0.6


def test_names_ignore_sentence_starts_links_and_shouting() -> None:
    names = names_of(
        "Telah beredar pesan. Ini dari Pak Sutrisno di TPS 12 https://Example.id #Pemilu"
    )
    assert names is not None and len(names) == 3  # "Pak", "Sutrisno", "12"
    assert names_of("AWAS HOAKS SURAT SUARA DARI PAK SUTRISNO") is None
    # Adding names (a forward header) agrees; swapping them for others does not.
    a = Signature(np.zeros(64, np.uint32), frozenset({1, 2, 3}))
    assert a.names_agree(Signature(a.values, frozenset({1, 2, 3, 4})))
    assert a.names_agree(Signature(a.values, frozenset({1, 2, 3, 9})))  # one typo in four
    assert not a.names_agree(Signature(a.values, frozenset({1, 8, 9})))
    assert a.names_agree(Signature(a.values, None))


def test_signature_round_trips_and_old_schemes_are_ignored() -> None:
    sig = _sig(FORWARD)
    back = Signature.from_json(sig.to_json())
    assert back is not None and np.array_equal(back.values, sig.values)
    assert back.names == sig.names
    stored = sig.to_json()
    assert Signature.from_json({**stored, "v": 1}) is None  # word-3-gram signatures
    assert Signature.from_json({**stored, "minhash": "not base64!"}) is None
    assert Signature.from_json({**stored, "names": "x"}) is not None  # names unknown, kept
    assert Signature.from_json(None) is None


def test_too_short_texts_have_no_signature() -> None:
    for text in ["", "hoaks", "https://t.co/x", "#a #b #c #d #e #f", "@a @b @c @d @e"]:
        assert text_signature(text) is None


def test_lsh_finds_copies_and_forgets_removed_items() -> None:
    index = NearDupIndex()
    index.add(1, _sig(FORWARD))
    index.add(2, _sig(UNRELATED[0]))
    index.add(3, _sig(FORWARD))  # a second cluster sharing every bucket with the first
    hits = index.query(_sig(COPIES[2]))
    assert [i for i, _ in hits] == [1, 3]
    index.remove(1)
    assert [i for i, _ in index.query(_sig(COPIES[2]))] == [3]
    index.remove(3)
    assert index.query(_sig(COPIES[2])) == []
    assert len(index) == 1
    index.add(2, _sig(UNRELATED[1]))  # re-adding an id replaces it
    assert index.query(_sig(UNRELATED[0])) == []


def test_membership_on_real_claims(shared_data: Path) -> None:
    """Edited copies of real BDC claims join; refilled templates and shared quotes do not."""
    items = benchdata.labelled_set(shared_data, messages=80, seed=3)
    m = bench.membership(items, bench.assign(NearDupIndex(), [it.text for it in items]))
    assert m["precision"] >= 0.9 and m["recall"] >= 0.85
    assert m["joined_copy"] >= 0.9
    assert m["joined_template"] <= 0.1 and m["joined_quote"] <= 0.1
