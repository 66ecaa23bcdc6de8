"""Texts for the ingest bench: real tweets from ../shared/data when present, else generated."""

from __future__ import annotations

import csv
import random
from pathlib import Path
from typing import Any

from monitor.cli.bench.sources_data import synthetic_posts

# (file, column, encoding) of the public tweet sets described in ../shared/data/README.md.
TWEET_FILES = (
    ("ibrohim2019_hs_abusive/re_dataset.csv", "Tweet", "latin-1"),
    ("pilpres2019_sentiment/tweet.csv", "tweet", "utf-8"),
)


def real_tweets(data_dir: Path) -> list[str]:
    """Return every tweet text of the public sets found under data_dir (empty when absent)."""
    texts: list[str] = []
    for name, column, encoding in TWEET_FILES:
        path = data_dir / name
        if not path.is_file():
            continue
        with path.open(encoding=encoding, newline="") as f:
            texts.extend(t for r in csv.DictReader(f) if (t := (r.get(column) or "").strip()))
    return texts


def bench_posts(n: int, tweets: list[str], seed: int, id_offset: int = 0) -> list[dict[str, Any]]:
    """Return n posts (id, title, text, date, labels); texts are tweets when given.

    Past the end of the tweet set, a tweet comes back as a retweet with a tag (a near-copy),
    as retweets do; the generator keeps its own 5% exact and 5% near copies.
    """
    posts = synthetic_posts(n, seed=seed)
    rng = random.Random(seed)
    start = rng.randrange(len(tweets)) if tweets else 0
    for i, post in enumerate(posts):
        post["id"] = id_offset + i
        if tweets:
            k = start + i
            text = tweets[k % len(tweets)]
            post["text"] = text if k < len(tweets) else f"RT {text} #{k // len(tweets)}"
            post["title"] = ""
    return posts
