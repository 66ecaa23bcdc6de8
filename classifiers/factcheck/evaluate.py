"""Fit the re-ranker and compare it with the old matcher and a TF-IDF baseline, side by side.

Data (all public, under `--from`):
- pairs: BDC 2020 `narasi` (the circulating claim) <-> `judul` (the Mafindo debunk title),
  split BY DEBUNK TITLE: those whose title is a 2024 TurnBackHoax title are the "2024"
  report set, a fifth of the rest (by title hash) is "bdc-test"; only the others are fitted.
- false-match population: full news articles (CLICK-ID 2019, IndoSum 2018). Outlets in
  `news.HELD_OUT_OUTLETS` are only reported on; the other outlets are split by text hash into
  FIT negatives and TUNE articles that set every method's threshold at the same budget.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from classifiers.factcheck.datasets import MatchingData, Pair, key, load_matching_data
from classifiers.factcheck.index import Candidates, FactCheckEntry, FactCheckIndex
from classifiers.factcheck.matcher import (
    CANDIDATES,
    DEFAULT_CALIBRATION,
    FactCheckMatcher,
    Ranked,
    Scorer,
    prepare,
)
from classifiers.factcheck.news import Article, load_news, sample
from classifiers.factcheck.rerank import Reranker, pair_features
from classifiers.factcheck.text import MAX_CHARS

# The budget of false matches on ordinary news articles (issue 11: at most 2 %). Thresholds
# are set a little inside it on the tuning outlets, so held-out outlets stay within it.
FALSE_MATCH_BUDGET = 0.02
TUNE_QUANTILE = 0.015
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
    false_match_politics: float
    false_match_tweets: float
    false_match_headlines: float
    n_news: int
    threshold: float

    def line(self) -> str:
        """Return the report as one aligned table row."""
        return (
            f"| {self.method:<28} | {self.pairs:<8} | {self.n:>4} | {self.recall_at_1:.3f} | "
            f"{self.recall_at_5:.3f} | {self.recall_at_threshold:.3f} | "
            f"{self.false_match_news:.4f} | {self.false_match_politics:.4f} | "
            f"{self.false_match_tweets:.4f} | {self.false_match_headlines:.4f} | {self.n_news} | "
            f"{self.threshold:.3f} |"
        )


HEADER = (
    "| method | pairs | n | R@1 | R@5 | R@1 above thr | false match news (held-out outlets) "
    "| politics only | tweets | headlines | news n | thr |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|---|"
)


@dataclass
class Evaluation:
    """The fitted re-ranker, the side-by-side reports, and notes on the data used."""

    reranker: Reranker
    reports: list[Report]
    notes: list[str] = field(default_factory=list)


def build_index(data: MatchingData, with_bdc: bool = True) -> FactCheckIndex:
    """Index every 2024 TurnBackHoax title and, if asked, every other BDC title."""
    index = FactCheckIndex()
    entries = [FactCheckEntry(f"t24-{i}", t) for i, t in enumerate(data.titles_2024)]
    if with_bdc:
        entries += [FactCheckEntry(f"bdc-{i}", t) for i, t in enumerate(data.bdc_titles)]
    index.add(entries)
    return index


def _same_claim(a: str, b: str) -> bool:
    # TurnBackHoax debunked some claims twice under near-identical titles; either counts.
    ta, tb = set(key(a).split()), set(key(b).split())
    if ta == tb:
        return True
    if min(len(ta), len(tb)) >= 3 and (ta <= tb or tb <= ta):
        return True
    return bool(ta | tb) and len(ta & tb) / len(ta | tb) >= 0.7


class Prepared:
    """Texts normalised and their candidates computed once, for every scorer to rank."""

    def __init__(self, index: FactCheckIndex, texts: Sequence[str]) -> None:
        self.index = index
        self.normalised = prepare(texts)
        self.candidates: list[Candidates] = []
        for start in range(0, len(texts), 256):
            chunk = self.normalised[start : start + 256]
            self.candidates.extend(index.candidates(chunk, CANDIDATES))

    def rank(self, scorer: Scorer, k: int = 5) -> list[list[tuple[int, float]]]:
        """Return (entry, probability) lists per text under one scorer."""
        ranked: list[list[Ranked]] = FactCheckMatcher(self.index, scorer).rank_prepared(
            self.normalised, self.candidates, k
        )
        return [[(r.entry, r.score) for r in row] for row in ranked]


def fit_reranker(
    index: FactCheckIndex, pairs: list[Pair], fit_news: list[str], tune: list[list[str]]
) -> Reranker:
    """Fit the logistic re-ranker; set its threshold on each tuning news set (the strictest)."""
    title_entry = {key(e.title): n for n, e in enumerate(index.entries)}
    golds = [title_entry.get(key(p.title), -1) for p in pairs] + [-1] * len(fit_news)
    prepared = Prepared(index, [p.claim for p in pairs] + fit_news)
    feats: list[np.ndarray] = []
    labels: list[int] = []
    for text, cands, gold in zip(prepared.normalised, prepared.candidates, golds, strict=True):
        if len(cands.rows) == 0 or not text:
            continue
        feats.append(pair_features(index, text, cands))
        labels.extend(int(e == gold) for e in cands.entries)
    X, y = np.vstack(feats), np.asarray(labels)
    mean, scale = X.mean(axis=0), np.maximum(X.std(axis=0), 1e-6)
    model = LogisticRegression(C=1.0, max_iter=5000).fit((X - mean) / scale, y)
    draft = Reranker(
        tuple(mean), tuple(scale), tuple(model.coef_[0]), float(model.intercept_[0]), 0.5
    )
    per_set = [_threshold(Prepared(index, texts).rank(draft, 1)) for texts in tune]
    threshold = max(per_set)
    return Reranker(
        draft.mean,
        draft.scale,
        draft.coef,
        draft.intercept,
        min(round(threshold, 4), 0.999),
        {
            "fitted_on": "BDC 2020 judul<->narasi training pairs (split by debunk title); "
            f"{len(fit_news)} negatives: CLICK-ID/IndoSum articles of non-held-out outlets, "
            "half the 2019 election tweets, half the Detik tuning headlines",
            "candidate_rows": len(y),
            "positive_rows": int(y.sum()),
            "threshold": f"top-1 score quantile {1 - TUNE_QUANTILE:.3f} on tuning sets "
            "(all articles, politics articles; the stricter): "
            + ", ".join(f"{t:.3f}" for t in per_set),
        },
    )


def _threshold(ranked: list[list[tuple[int, float]]]) -> float:
    tops = [r[0][1] if r else 0.0 for r in ranked]
    return max(float(np.quantile(tops, 1 - TUNE_QUANTILE)) + 1e-6, 0.05)


def tfidf_ranker(titles: list[str], **params: Any) -> Ranker:
    """Return a plain TF-IDF cosine nearest-neighbour ranker over raw titles (the baseline)."""
    vec = TfidfVectorizer(**params)
    matrix = vec.fit_transform(titles)

    def rank(texts: Sequence[str]) -> list[list[tuple[int, float]]]:
        out: list[list[tuple[int, float]]] = []
        for start in range(0, len(texts), 512):
            chunk = [t[:MAX_CHARS] for t in texts[start : start + 512]]
            sims = (vec.transform(chunk) @ matrix.T).toarray()
            order = np.argsort(-sims, axis=1)[:, :5]
            out.extend([(int(j), float(sims[i, j])) for j in row] for i, row in enumerate(order))
        return out

    return rank


def _report(
    name: str,
    pair_set: str,
    titles: list[str],
    pairs: list[Pair],
    ranked_pairs: list[list[tuple[int, float]]],
    negatives: dict[str, list[list[tuple[int, float]]]],
    threshold: float,
) -> Report:
    hit1 = hit5 = hit_thr = 0
    for pair, cands in zip(pairs, ranked_pairs, strict=True):
        ok = [_same_claim(titles[c], pair.title) for c, _ in cands[:5]]
        hit1 += bool(ok and ok[0])
        hit5 += any(ok)
        hit_thr += bool(ok and ok[0] and cands[0][1] >= threshold)

    def fmr(ranked: list[list[tuple[int, float]]]) -> float:
        return float(np.mean([bool(r) and r[0][1] >= threshold for r in ranked]))

    n = max(len(pairs), 1)
    return Report(
        name,
        pair_set,
        len(pairs),
        hit1 / n,
        hit5 / n,
        hit_thr / n,
        fmr(negatives["news"]),
        fmr(negatives["politics"]),
        fmr(negatives["tweets"]),
        fmr(negatives["headlines"]),
        len(negatives["news"]),
        threshold,
    )


def _rank_set(
    prepared: dict[str, Prepared], scorer: Scorer, name: str
) -> list[list[tuple[int, float]]]:
    return prepared[name].rank(scorer)


def _tfidf_set(
    tfidf: Ranker, sets: dict[str, list[str]], name: str
) -> list[list[tuple[int, float]]]:
    return tfidf(sets[name])


def _part(text: str, parts: int) -> int:
    return hashlib.sha256(text.encode("utf-8")).digest()[2] % parts


def _split_short(data: MatchingData) -> dict[str, list[str]]:
    # Short ordinary texts too: fitted on articles alone, "short" would read as "a match".
    tweets = {i: [t for t in data.tweets if _part(t, 2) == i] for i in range(2)}
    return {
        "fit": tweets[0] + [t for t in data.news_tune if _part(t, 2) == 0],
        "tweets": tweets[1],
        "headlines": data.news_test,
    }


def _split_news(articles: list[Article], n_test: int, n_fit: int) -> dict[str, list[Article]]:
    def half(a: Article) -> int:
        return _part(a.text, 2)

    open_outlets = [a for a in articles if not a.held_out]
    tune = [a for a in open_outlets if half(a)]
    return {
        "fit": sample([a for a in open_outlets if not half(a)], n_fit),
        "tune": sample(tune, n_fit),
        "tune_politics": sample([a for a in tune if a.politics], n_fit),
        "test": sample([a for a in articles if a.held_out], n_test),
    }


def evaluate(root: Path, n_news: int = 4000) -> Evaluation:
    """Fit the re-ranker and report it beside the old matcher and TF-IDF at one budget."""
    data = load_matching_data(root)
    news = _split_news(load_news(root), n_news, n_news // 2)
    short = _split_short(data)
    full = build_index(data)
    reranker = fit_reranker(
        full,
        data.train_pairs,
        [a.text for a in news["fit"]] + short["fit"],
        [
            [a.text for a in news["tune"]],
            [a.text for a in news["tune_politics"]],
        ],
    )
    test_news = [a.text for a in news["test"]]
    politics = [a.text for a in news["test"] if a.politics]
    tune_news = [a.text for a in news["tune"]]
    reports: list[Report] = []
    for pair_set, pairs, index in (
        ("2024", data.test_pairs_2024, build_index(data, with_bdc=False)),
        ("bdc-test", data.test_pairs_bdc, full),
    ):
        titles = [e.title for e in index.entries]
        texts = [p.claim for p in pairs]
        sets = {
            "pairs": texts,
            "news": test_news,
            "politics": politics,
            "tweets": short["tweets"],
            "headlines": short["headlines"],
        }
        prepared = {name: Prepared(index, t) for name, t in sets.items()}
        tune_prepared = Prepared(index, tune_news)
        tfidf = tfidf_ranker(titles, analyzer="char", ngram_range=(2, 4), sublinear_tf=True)
        methods: list[tuple[str, Callable[[str], list[list[tuple[int, float]]]], float]] = [
            (
                "old matcher (shipped thr)",
                functools.partial(_rank_set, prepared, DEFAULT_CALIBRATION),
                DEFAULT_CALIBRATION.threshold,
            ),
            (
                "old matcher @ news budget",
                functools.partial(_rank_set, prepared, DEFAULT_CALIBRATION),
                _threshold(tune_prepared.rank(DEFAULT_CALIBRATION, 1)),
            ),
            (
                "tfidf char 2-4 NN @ budget",
                functools.partial(_tfidf_set, tfidf, sets),
                _threshold(tfidf(tune_news)),
            ),
            (
                "re-ranker (shipped thr)",
                functools.partial(_rank_set, prepared, reranker),
                reranker.threshold,
            ),
        ]
        for name, rank, thr in methods:
            negatives = {n: rank(n) for n in ("news", "politics", "tweets", "headlines")}
            reports.append(_report(name, pair_set, titles, pairs, rank("pairs"), negatives, thr))
    notes = [
        *data.notes,
        f"full index: {len(full)} debunk titles; fitted on {len(data.train_pairs)} pairs and "
        f"{len(news['fit'])} articles; thresholds set on {len(news['tune'])} tuning articles "
        f"(+{len(news['tune_politics'])} politics) of other outlets",
        f"held-out news: {len(test_news)} articles ({len(politics)} politics) of outlets "
        f"{', '.join(sorted({a.outlet for a in news['test']}))}",
        "2024: BDC claims whose debunk title is a 2024 TurnBackHoax title, against the "
        f"{len(data.titles_2024)} 2024 titles; bdc-test: held-out BDC debunks against all titles",
    ]
    return Evaluation(reranker, reports, notes)
