"""Per-page MinHash and band keys equal the one-text functions (stored signatures stay valid)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from classifiers.neardup import (
    stored_band_keys,
    stored_band_keys_many,
    text_signature,
    text_signatures,
)
from monitor.cli.bench.sources_texts import real_tweets

HOSTILE = [
    "",
    "a b",
    "setuju!",
    "\u3164\u3164 \u200b\u200b",
    "#pemilu #hoaks @kpu https://t.co/x",
    "kata " * 5000,  # longer than one hashing block
    "x" * 60_000,
    "Mahfud MD 2024 TPS 17 Jakarta Selatan " * 3,
    "ini pesan berantai soal surat suara yang sudah dicoblos \U0001f600 " * 2,
]


def _same(texts: list[str]) -> None:
    one = [text_signature(t) for t in texts]
    many = text_signatures(texts)
    assert len(one) == len(many)
    for a, b in zip(one, many, strict=True):
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            assert np.array_equal(a.values, b.values) and a.names == b.names
    sigs = [s for s in one if s is not None]
    assert stored_band_keys_many(sigs) == [stored_band_keys(s) for s in sigs]


def test_page_signatures_equal_one_at_a_time_on_hostile_texts() -> None:
    _same(HOSTILE)
    _same(HOSTILE[:2])  # a page where nothing is long enough to cluster
    assert text_signatures([]) == [] and stored_band_keys_many([]) == []


def test_page_signatures_equal_one_at_a_time_on_real_tweets(shared_data: Path) -> None:
    tweets = real_tweets(shared_data)[:3000]
    _same(tweets + [f"RT {t} #2" for t in tweets[:500]] + HOSTILE)
