"""The re-ranker's weights: plain JSON, checked on load; features a reviewer can read."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from classifiers.factcheck.index import FactCheckEntry, FactCheckIndex
from classifiers.factcheck.matcher import CANDIDATES, FactCheckMatcher, prepare
from classifiers.factcheck.rerank import FEATURE_HELP, FEATURES, load_reranker, pair_features
from tests.factchecks.cases import CLAIMS, DEBUNKS


def test_shipped_weights_load_and_say_what_they_were_fitted_on() -> None:
    reranker = load_reranker()
    assert 0.0 < reranker.threshold < 1.0
    assert "BDC" in reranker.provenance["fitted_on"]
    assert set(FEATURE_HELP) == set(FEATURES)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(features=d["features"][:-1]),
        lambda d: d.update(coef=d["coef"][:-1]),
        lambda d: d.update(threshold=1.5),
        lambda d: d["scale"].__setitem__(0, "NaN"),
        lambda d: d.update(mean="not a list"),
        lambda d: d.pop("intercept"),
    ],
)
def test_a_damaged_weights_file_is_refused_with_a_reason(tmp_path: Path, change: object) -> None:
    data = load_reranker().to_json()
    change(data)  # type: ignore[operator]
    path = tmp_path / "reranker.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="re-ranker"):
        load_reranker(path)


def _index() -> FactCheckIndex:
    index = FactCheckIndex()
    index.add(
        FactCheckEntry(f"{d['publisher']}:{d['id']}", d["title"], d.get("url"), d.get("claim"))
        for d in DEBUNKS
    )
    return index


def test_shared_rare_names_and_numbers_count_common_ones_do_not() -> None:
    index = _index()
    # A base of realistic size: other debunks that mention the common election names.
    index.add(
        FactCheckEntry(f"filler-{i}", f"Video {who} KPU Bawaslu Pemilu Polri {place} {i}")
        for i in range(600)
        for who, place in [(("Prabowo", "Ganjar", "Anies")[i % 3], ("Jakarta", "Medan")[i % 2])]
    )
    texts = prepare(
        [
            "ribuan surat suara sudah dicoblos untuk paslon 02 ditemukan di gudang kpu bekasi",
            "kpu dan bawaslu menggelar rapat koordinasi pemilu di jakarta pekan ini bersama polri",
        ]
    )
    rare = FEATURES.index("rare_shared")
    cands = index.candidates(texts, CANDIDATES)
    claim_features = pair_features(index, texts[0], cands[0])
    news_features = pair_features(index, texts[1], cands[1])
    assert claim_features[:, rare].max() >= 2  # bekasi, gudang, dicoblos ...
    assert news_features[:, rare].max() <= 1  # kpu, bawaslu, pemilu: in many debunks
    assert np.all(np.isfinite(claim_features)) and np.all(np.isfinite(news_features))


def test_matches_explain_themselves_with_readable_reasons() -> None:
    matcher = FactCheckMatcher(_index())
    results = matcher.match([text for text, _ in CLAIMS])
    for (_, want), result in zip(CLAIMS, results, strict=True):
        assert result is not None and result.id == want
        assert result.reasons and all(r["feature"] in FEATURES for r in result.reasons)
        assert all(r["why"] for r in result.reasons)
