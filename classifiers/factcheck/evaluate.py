"""Fit the matcher's calibration and report recall and false matches against baselines."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from classifiers.factcheck.datasets import MatchingData, Pair, key, load_matching_data
from classifiers.factcheck.index import FactCheckEntry, FactCheckIndex
from classifiers.factcheck.matcher import (
    CANDIDATES,
    DEFAULT_CALIBRATION,
    Calibration,
    FactCheckMatcher,
    score_features,
)
from classifiers.factcheck.text import match_text

# The false-match budget on ordinary news that sets the threshold (0.5 % of headlines).
TARGET_FALSE_MATCH = 0.005
Ranker = Callable[[Sequence[str]], list[list[tuple[int, float]]]]


@dataclass
class Report:
    """One method's figures on one pair set."""

    method: str
    pairs: str
    n: int
    recall_at_1: float
    recall_at_5: float
    recall_at_threshold: float
    false_match_news: float
    false_match_tweets: float
    threshold: float

    def line(self) -> str:
        """Return the report as one aligned line."""
        return (
            f"{self.method:<26} {self.pairs:<10} n={self.n:<4} R@1={self.recall_at_1:.3f} "
            f"R@5={self.recall_at_5:.3f} R@1(thr)={self.recall_at_threshold:.3f} "
            f"false-match news={self.false_match_news:.4f} tweets={self.false_match_tweets:.4f} "
            f"thr={self.threshold:.3f}"
        )


def build_index(data: MatchingData, with_bdc: bool = True) -> FactCheckIndex:
    """Index every 2024 TurnBackHoax title and, if asked, every other BDC title."""
    index = FactCheckIndex()
    entries = [FactCheckEntry(f"t24-{i}", t) for i, t in enumerate(data.titles_2024)]
    if with_bdc:
        entries += [FactCheckEntry(f"bdc-{i}", t) for i, t in enumerate(data.bdc_titles)]
    index.add(entries)
    return index


def fit_calibration(index: FactCheckIndex, pairs: list[Pair], news: list[str]) -> Calibration:
    """Fit the logistic weights on training pairs, set the threshold on tuning news."""
    title_entry = {key(e.title): n for n, e in enumerate(index.entries)}
    feats: list[np.ndarray] = []
    labels: list[int] = []
    texts = [p.claim for p in pairs] + news
    golds = [title_entry.get(key(p.title), -1) for p in pairs] + [-1] * len(news)
    for start in range(0, len(texts), 256):
        chunk = [match_text(t) for t in texts[start : start + 256]]
        for i, cands in enumerate(index.candidates(chunk, CANDIDATES)):
            feats.append(score_features(cands.features))
            labels.extend(int(e == golds[start + i]) for e in cands.entries)
    model = LogisticRegression(C=10.0, max_iter=2000).fit(np.vstack(feats), np.asarray(labels))
    coef = tuple(float(c) for c in model.coef_[0])
    draft = Calibration(float(model.intercept_[0]), coef, 0.5)
    news_top = [r[0][1] if r else 0.0 for r in FactCheckMatcher(index, draft).rank(news, 1)]
    threshold = max(0.5, float(np.quantile(news_top, 1 - TARGET_FALSE_MATCH)) + 1e-6)
    return Calibration(draft.intercept, draft.coef, round(threshold, 4))


def _same_claim(a: str, b: str) -> bool:
    # TurnBackHoax debunked some claims twice under near-identical titles; either counts.
    ta, tb = set(key(a).split()), set(key(b).split())
    if ta == tb:
        return True
    if min(len(ta), len(tb)) >= 3 and (ta <= tb or tb <= ta):
        return True
    return bool(ta | tb) and len(ta & tb) / len(ta | tb) >= 0.7


def score_method(
    name: str,
    rank: Ranker,
    titles: list[str],
    pairs: list[Pair],
    pair_set: str,
    news_tune: list[str],
    news_test: list[str],
    tweets: list[str],
    threshold: float | None,
) -> Report:
    """Compute recall@1/5, recall at threshold and false-match rates for one ranker."""
    if threshold is None:  # baselines: same false-match budget on the same tuning news
        tops = [r[0][1] if r else 0.0 for r in rank(news_tune)]
        threshold = float(np.quantile(tops, 1 - TARGET_FALSE_MATCH)) + 1e-6
    ranked = rank([p.claim for p in pairs])
    hit1 = hit5 = hit_thr = 0
    for pair, cands in zip(pairs, ranked, strict=True):
        ok = [_same_claim(titles[c], pair.title) for c, _ in cands[:5]]
        hit1 += bool(ok and ok[0])
        hit5 += any(ok)
        hit_thr += bool(ok and ok[0] and cands[0][1] >= threshold)

    def fmr(texts: list[str]) -> float:
        return float(np.mean([bool(r) and r[0][1] >= threshold for r in rank(texts)]))

    n = max(len(pairs), 1)
    return Report(
        name,
        pair_set,
        len(pairs),
        hit1 / n,
        hit5 / n,
        hit_thr / n,
        fmr(news_test),
        fmr(tweets),
        threshold,
    )


def tfidf_ranker(titles: list[str], **params: Any) -> Ranker:
    """Return a plain TF-IDF cosine ranker over raw lower-cased titles (the baseline)."""
    vec = TfidfVectorizer(**params)
    matrix = vec.fit_transform(titles)

    def rank(texts: Sequence[str]) -> list[list[tuple[int, float]]]:
        sims = (vec.transform(list(texts)) @ matrix.T).toarray()
        order = np.argsort(-sims, axis=1)[:, :5]
        return [[(int(j), float(sims[i, j])) for j in row] for i, row in enumerate(order)]

    return rank


def evaluate(root: Path, refit: bool = True) -> tuple[Calibration, list[Report], list[str]]:
    """Fit (or reuse) the calibration and score the matcher and two baselines.

    "2024": real claims against the 1,458 TurnBackHoax titles of the 2024 headline set.
    "bdc-test": held-out BDC claims against every title (2024 and BDC) as the base.
    """
    data = load_matching_data(root)
    full = build_index(data)
    cal = fit_calibration(full, data.train_pairs, data.news_tune) if refit else DEFAULT_CALIBRATION
    reports = []
    for pair_set, pairs, index in (
        ("2024", data.test_pairs_2024, build_index(data, with_bdc=False)),
        ("bdc-test", data.test_pairs_bdc, full),
    ):
        titles = [e.title for e in index.entries]
        matcher = FactCheckMatcher(index, cal)
        methods: list[tuple[str, Ranker, float | None]] = [
            ("waspada matcher", functools.partial(matcher.rank, k=5), cal.threshold),
            (
                "tfidf char 2-4 cosine",
                tfidf_ranker(titles, analyzer="char", ngram_range=(2, 4)),
                None,
            ),
            (
                "tfidf char_wb 3-5 cosine",
                tfidf_ranker(titles, analyzer="char_wb", ngram_range=(3, 5)),
                None,
            ),
        ]
        for name, rank, thr in methods:
            reports.append(
                score_method(
                    name,
                    rank,
                    titles,
                    pairs,
                    pair_set,
                    data.news_tune,
                    data.news_test,
                    data.tweets,
                    thr,
                )
            )
    notes = [
        *data.notes,
        f"full index: {len(full)} debunk titles; train pairs {len(data.train_pairs)}",
    ]
    return cal, reports, notes
