"""Splits of the public data for the matcher's evaluation, and the TF-IDF baseline ranker."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from classifiers.factcheck.datasets import MatchingData
from classifiers.factcheck.news import Article, sample
from classifiers.factcheck.text import MAX_CHARS

Ranker = Callable[[Sequence[str]], list[list[tuple[int, float]]]]


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


def part(text: str, parts: int) -> int:
    """Return a stable bucket of a text among `parts` (sha256 of its UTF-8 bytes)."""
    return hashlib.sha256(text.encode("utf-8")).digest()[2] % parts


def split_short(data: MatchingData) -> dict[str, list[str]]:
    """Split short ordinary texts into fitting, tuning and reported sets."""
    # Short ordinary texts too: fitted on articles alone, "short" would read as "a match".
    tweets = {i: [t for t in data.tweets if part(t, 2) == i] for i in range(2)}
    chatter = {i: [t for t in data.chatter if part(t, 2) == i][:2000] for i in range(2)}
    return {
        "fit": tweets[0] + [t for t in data.news_tune if part(t, 2) == 0],
        "tune_headlines": [t for t in data.news_tune if part(t, 2) == 1],
        "tune_chatter": chatter[0],
        "tweets": tweets[1],
        "headlines": data.news_test,
        "chatter": chatter[1],
    }


def split_news(articles: list[Article], n_test: int, n_fit: int) -> dict[str, list[Article]]:
    """Split articles: fit and tune from open outlets, test from held-out outlets."""

    def half(a: Article) -> int:
        return part(a.text, 2)

    open_outlets = [a for a in articles if not a.held_out]
    tune = [a for a in open_outlets if half(a)]
    return {
        "fit": sample([a for a in open_outlets if not half(a)], n_fit),
        "tune": sample(tune, n_fit),
        "tune_politics": sample([a for a in tune if a.politics], n_fit),
        "test": sample([a for a in articles if a.held_out], n_test),
    }
