"""The batch upper bound equals the per-text one, so `match` skips exactly the same texts."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np

from classifiers.factcheck.bounds import batch_upper_bounds
from classifiers.factcheck.datasets import load_matching_data
from classifiers.factcheck.evaluate import build_index
from classifiers.factcheck.index import FactCheckEntry, FactCheckIndex
from classifiers.factcheck.matcher import CANDIDATES, MIN_TOKENS, FactCheckMatcher, prepare
from classifiers.factcheck.news import load_news, sample
from classifiers.factcheck.rerank import Reranker
from tests.factchecks.cases import CLAIMS, DEBUNKS, NEWS


def _bounds_both_ways(matcher: FactCheckMatcher, texts: list[str]) -> tuple[list, list]:
    index, reranker = matcher.index, matcher.scorer
    assert isinstance(reranker, Reranker)
    normalised = prepare(texts)
    candidates = index.candidates(normalised, CANDIDATES)
    chance = matcher._chance(normalised, candidates)
    assert chance is not None
    lengths = [len(t.split()) for t in normalised]
    batch = batch_upper_bounds(reranker, index, lengths, candidates, chance)
    one_by_one = []
    for i, (text, cands) in enumerate(zip(normalised, candidates, strict=True)):
        if lengths[i] < MIN_TOKENS or len(cands.rows) == 0:
            one_by_one.append(0.0)
            continue
        lo, hi = chance[0][i], chance[0][i + 1]
        part = (chance[1][lo:hi], chance[2][lo:hi], chance[3][lo:hi], chance[4][lo:hi])
        one_by_one.append(reranker.upper_bound(index, text, cands, part))
    return list(batch), one_by_one


def _exact_best(matcher: FactCheckMatcher, texts: list[str]) -> list[tuple[int | None, float]]:
    # Every text scored exactly, nothing skipped: what `match` must agree with.
    normalised = prepare(texts)
    ranked = matcher.rank_prepared(normalised, matcher.index.candidates(normalised, CANDIDATES), 1)
    out: list[tuple[int | None, float]] = []
    for row in ranked:
        ok = bool(row) and row[0].score >= matcher.threshold_for(row[0].words)
        out.append((row[0].entry, row[0].score) if ok else (None, 0.0))
    return out


def _check(matcher: FactCheckMatcher, texts: list[str]) -> int:
    batch, one_by_one = _bounds_both_ways(matcher, texts)
    np.testing.assert_allclose(batch, one_by_one, rtol=0, atol=1e-12)
    keys = [e.key for e in matcher.index.entries]
    matched = [(m.id, m.score) if m is not None else None for m in matcher.match(texts)]
    exact = [(keys[e], s) if e is not None else None for e, s in _exact_best(matcher, texts)]
    assert matched == exact
    return sum(m is not None for m in matched)


def test_batch_bounds_equal_per_text_bounds_on_the_cases() -> None:
    index = FactCheckIndex()
    index.add(FactCheckEntry(d["id"], d["title"], d.get("url"), d.get("claim")) for d in DEBUNKS)
    texts = [*(c for c, _ in CLAIMS), *NEWS, "", "satu dua", "#tagar @orang http://t.co/x"]
    assert _check(FactCheckMatcher(index), texts) >= len(CLAIMS) // 2


def test_batch_bounds_equal_per_text_bounds_on_real_claims_tweets_and_news(
    shared_data: Path,
) -> None:
    data = load_matching_data(shared_data)
    index = build_index(data, with_bdc=False)
    with (shared_data / "pilpres2019_sentiment" / "tweet.csv").open(encoding="utf-8") as fh:
        tweets = [r["tweet"] for r in itertools.islice(csv.DictReader(fh), 400)]
    claims = [p.claim for p in data.test_pairs_2024][:300]
    news = [a.text for a in sample([a for a in load_news(shared_data) if a.held_out], 100)]
    assert _check(FactCheckMatcher(index), [*claims, *tweets, *news]) >= 100
