"""Held-out matching pairs and ordinary-news negatives built from the public datasets.

Pairs are (debunk title, circulating claim text) that provably describe the same hoax:
BDC 2020 records carry both the Mafindo title (`judul`) and the text that circulated
(`narasi`); where a BDC title equals a TurnBackHoax title of the 2024 headline set, the
narasi is a real claim for that 2024 debunk.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

BDC = Path("bdc2020_mafindo_hoax/data_latih_bdc.csv")
HEADLINES = Path("hoax_pilpres2024_headlines/data_berita.csv")
TWEETS = Path("pilpres2019_sentiment/tweet.csv")
IBROHIM = Path("ibrohim2019_hs_abusive/re_dataset.csv")
STOPWORDS = Path("stopwords_id/stopwords-iso_stopwords-id.txt")
# A pair counts only when the claim shares this fraction of the title's content words:
# many BDC claims are image captions unrelated in wording to the title, which no text
# matcher (nor a reviewer reading the text) could link.
MIN_EVIDENCE = 0.3


@dataclass
class Pair:
    """A claim text and the title of the debunk it circulates under."""

    claim: str
    title: str


@dataclass
class MatchingData:
    """Everything the evaluation needs, split into training and held-out parts."""

    titles_2024: list[str]
    bdc_titles: list[str]
    train_pairs: list[Pair]
    test_pairs_bdc: list[Pair]
    test_pairs_2024: list[Pair]
    news_tune: list[str]
    news_test: list[str]
    tweets: list[str]
    chatter: list[str] = field(default_factory=list)  # Ibrohim 2019 tweets, not election-only
    notes: list[str] = field(default_factory=list)


def key(text: str) -> str:
    """Return a loose comparison key: lower-case alphanumerics separated by single spaces."""
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _half(text: str) -> int:
    return hashlib.sha256(text.encode("utf-8")).digest()[0] % 2


def _fifth(text: str) -> int:
    return hashlib.sha256(text.encode("utf-8")).digest()[1] % 5


def _rows(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    if not path.is_file():
        raise FileNotFoundError(f"dataset file not found: {path}")
    with path.open(encoding=encoding, errors="replace", newline="") as fh:
        return list(csv.DictReader(fh))


def _evidence(title: str, claim: str, stop: set[str]) -> float:
    words = {w for w in key(title).split() if len(w) >= 3 and w not in stop}
    if not words:
        return 0.0
    return len(words & set(key(claim).split())) / len(words)


def load_matching_data(root: Path) -> MatchingData:
    """Build the pairs and negatives from the public datasets under `root`."""
    stop = set((root / STOPWORDS).read_text(encoding="utf-8").split())
    headlines = _rows(root / HEADLINES)
    titles_2024 = list(
        dict.fromkeys(r["Judul Artikel"] for r in headlines if r["Berita_Hoax"] == "True")
    )
    news = [r["Judul Artikel"] for r in headlines if r["Berita_Hoax"] == "False"]
    by_key = {key(t): t for t in titles_2024}
    train, test_bdc, test_2024 = [], [], []
    bdc_titles: list[str] = []
    dropped = 0
    for row in _rows(root / BDC):
        if row["label"] != "1" or not row["narasi"].strip() or not row["judul"].strip():
            continue
        title, claim = row["judul"].strip(), row["narasi"].strip()
        in_2024 = by_key.get(key(title))
        if in_2024 is None:
            bdc_titles.append(title)
        if _evidence(title, claim, stop) < MIN_EVIDENCE:
            dropped += 1
            continue
        if in_2024 is not None:
            test_2024.append(Pair(claim, in_2024))
        elif _fifth(title) == 0:
            test_bdc.append(Pair(claim, title))
        else:
            train.append(Pair(claim, title))
    tweets = [r["tweet"] for r in _rows(root / TWEETS)]
    # cp1252 with literal "\n" and a stray trailing quote on half the rows (data README).
    chatter = [r["Tweet"].replace("\\n", " ").strip("' ") for r in _rows(root / IBROHIM, "cp1252")]
    return MatchingData(
        titles_2024=titles_2024,
        bdc_titles=list(dict.fromkeys(bdc_titles)),
        train_pairs=train,
        test_pairs_bdc=test_bdc,
        test_pairs_2024=test_2024,
        news_tune=[t for t in news if _half(t) == 0],
        news_test=[t for t in news if _half(t) == 1],
        tweets=tweets,
        chatter=list(dict.fromkeys(t for t in chatter if t)),
        notes=[f"{dropped} BDC pairs dropped: claim shares < {MIN_EVIDENCE:.0%} of title words"],
    )
