"""Thresholds by text length, the chance features, and the per-row caches behind them."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from classifiers.factcheck.datasets import load_matching_data
from classifiers.factcheck.index import FactCheckEntry, FactCheckIndex
from classifiers.factcheck.matcher import CANDIDATES, FactCheckMatcher, prepare
from classifiers.factcheck.rerank import FEATURES, load_reranker, pair_features
from tests.factchecks.cases import CLAIMS, DEBUNKS

# Words of ordinary reporting, none of them in the hand-written debunks.
FILLER = [
    "menurut",
    "keterangan",
    "warga",
    "setempat",
    "kegiatan",
    "berlangsung",
    "tertib",
    "sejak",
    "pagi",
    "hingga",
    "sore",
    "dan",
    "aparat",
    "mengimbau",
    "masyarakat",
    "tetap",
    "tenang",
    "sambil",
    "menunggu",
    "informasi",
    "resmi",
    "berikutnya",
]


def _index() -> FactCheckIndex:
    index = FactCheckIndex()
    index.add(
        FactCheckEntry(f"{d['publisher']}:{d['id']}", d["title"], d.get("url"), d.get("claim"))
        for d in DEBUNKS
    )
    return index


def test_shipped_weights_have_one_threshold_per_length_and_report_the_lowest() -> None:
    reranker = load_reranker()
    edges, thresholds = reranker.length_edges, reranker.length_thresholds
    assert edges and len(thresholds) == len(edges) + 1
    assert reranker.threshold == min(thresholds)
    assert reranker.threshold_for(1) == thresholds[0]
    assert reranker.threshold_for(edges[0] - 1) == thresholds[0]
    assert reranker.threshold_for(edges[0]) == thresholds[1]
    assert reranker.threshold_for(10**6) == thresholds[-1]
    assert "length" in reranker.provenance["threshold"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d.update(length_edges=[60, 15]), "increasing"),
        (lambda d: d.update(length_edges=[0, 60]), "increasing"),
        (lambda d: d.update(length_edges=[15.5, 60]), "whole number"),
        (lambda d: d.update(length_edges=["15", 60]), "whole number"),
        (lambda d: d.update(length_edges=[True, 60]), "whole number"),
        (lambda d: d.update(length_edges=[15]), "one length threshold more"),
        (lambda d: d.update(length_thresholds=[0.5, 1.2, 0.4]), r"\(0, 1\)"),
        (lambda d: d.update(length_thresholds=[0.5, "high", 0.4]), "malformed"),
        (lambda d: d.update(length_thresholds=None, length_edges=[15, 60]), "one length"),
        (lambda d: d.update(threshold=0.99), "lowest"),
        (lambda d: d.update(length_edges={"a": 1}), "whole number"),
    ],
)
def test_damaged_length_thresholds_are_refused_with_a_reason(
    tmp_path: Path, change: object, reason: str
) -> None:
    data = load_reranker().to_json()
    change(data)  # type: ignore[operator]
    path = tmp_path / "reranker.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match=reason):
        load_reranker(path)


def test_weights_without_length_thresholds_still_load_with_one_threshold(tmp_path: Path) -> None:
    data = load_reranker().to_json()
    del data["length_edges"], data["length_thresholds"]
    path = tmp_path / "reranker.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    reranker = load_reranker(path)
    assert reranker.threshold_for(3) == reranker.threshold_for(500) == reranker.threshold


def test_match_applies_the_threshold_of_the_text_length() -> None:
    shipped = load_reranker()
    # Short texts need near certainty, longer ones almost nothing: the same claim flips.
    scorer = dataclasses.replace(
        shipped, threshold=0.001, length_edges=(15,), length_thresholds=(0.9999, 0.001)
    )
    matcher = FactCheckMatcher(_index(), scorer)
    short = "Server penghitungan suara KPU dipindahkan ke Singapura"
    long = short + " " + " ".join(FILLER)
    assert len(prepare([short])[0].split()) < 15 <= len(prepare([long])[0].split())
    got_short, got_long = matcher.match([short, long])
    assert got_short is None
    assert got_long is not None and got_long.id == "turnbackhoax:tbh-1004"


def test_a_claim_repeating_a_debunk_is_less_likely_by_chance_than_the_words_in_an_article() -> None:
    index = _index()
    claim = "ribuan surat suara sudah dicoblos untuk paslon 02 di gudang kpu bekasi"
    words = claim.split()
    # The same words, scattered through a long article among ordinary reporting.
    article = " ".join(w for pair in zip(words, FILLER * 20, strict=False) for w in pair)
    article += " " + " ".join(FILLER * 30)
    texts = prepare([claim, article])
    cands = index.candidates(texts, CANDIDATES)
    ev, miss = FEATURES.index("chance_evidence"), FEATURES.index("chance_missing")
    claim_feats = pair_features(index, texts[0], cands[0])
    article_feats = pair_features(index, texts[1], cands[1])
    assert claim_feats[:, ev].max() > article_feats[:, ev].max() > 0
    for feats in (claim_feats, article_feats):
        assert np.all(np.isfinite(feats)) and np.all(feats[:, miss] >= 0)


def test_row_caches_follow_new_debunks() -> None:
    index = _index()
    row = 0
    word = index.row_texts[row].split()[0]
    before = index.row_idf(row)[word]
    assert index.row_words(row).words[0] == word
    index.add(FactCheckEntry(f"more-{i}", f"{word} kabar lain nomor {i}") for i in range(20))
    assert index.row_idf(row)[word] < before  # the word is commoner now


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "\u200b\u200c\u200d" * 500,
        "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16",
        "Rp50.000 Rp50.000 Rp50.000 Rp50.000",
        "#pemilu #kpu #bawaslu @kpu_ri https://kpu.go.id",
        "surat " * 50_000,
        "\x00\x01\x02 server kpu singapura \ufffd\ud800",
        "Sérvér KPU dïpïndahkan ke Sïngapura \U0001f600" * 30,
    ],
)
def test_hostile_texts_are_matched_or_refused_without_error(text: str) -> None:
    matcher = FactCheckMatcher(_index())
    got = matcher.match([text, CLAIMS[0][0]])
    assert got[1] is not None and got[1].id == CLAIMS[0][1]
    assert got[0] is None or got[0].score >= matcher.threshold_for(0)


def test_ibrohim_tweets_are_read_as_clean_single_lines(shared_data: Path) -> None:
    data = load_matching_data(shared_data)
    assert len(data.chatter) > 10_000
    assert not any("\\n" in t or t.endswith("'") for t in data.chatter[:2000])
