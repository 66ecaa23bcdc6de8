"""The n-gram index and calibrated matcher without a database: edits, news, growth, bad input."""

from __future__ import annotations

import time

import pytest

from classifiers.factcheck.index import FactCheckEntry, FactCheckIndex
from classifiers.factcheck.matcher import (
    DEFAULT_CALIBRATION,
    FEATURES,
    Calibration,
    FactCheckMatcher,
)
from classifiers.factcheck.text import match_text, strip_verdict
from tests.factchecks.cases import CLAIMS, DEBUNKS, NEWS


def _entries() -> list[FactCheckEntry]:
    return [
        FactCheckEntry(
            f"{d['publisher']}:{d['id']}", d["title"], d.get("url"), d.get("claim"), pk=n + 1
        )
        for n, d in enumerate(DEBUNKS)
    ]


def _index(entries: list[FactCheckEntry]) -> FactCheckIndex:
    index = FactCheckIndex()
    index.add(entries)
    return index


def test_edited_claims_match_their_debunk_above_threshold() -> None:
    matcher = FactCheckMatcher(_index(_entries()))
    matches = matcher.match([text for text, _ in CLAIMS])
    for (text, want), got in zip(CLAIMS, matches, strict=True):
        assert got is not None, f"no match for {text[:60]!r}"
        assert got.id == want, text
        assert got.score >= DEFAULT_CALIBRATION.threshold
        assert got.url and got.url.startswith("https://")


def test_ordinary_news_does_not_match() -> None:
    matcher = FactCheckMatcher(_index(_entries()))
    assert matcher.match(NEWS) == [None] * len(NEWS)
    # The ranking still answers (low scores), so the threshold is what keeps news out.
    assert all(r and r[0][1] < 0.5 for r in matcher.rank(NEWS, 1))


def test_adding_one_factcheck_goes_to_the_delta_not_a_rebuild() -> None:
    entries = _entries()
    index = _index(entries[:-1])
    stacked, delta = index.segments
    assert delta == 0 and stacked == index.n_rows
    index.add([entries[-1]])
    assert index.segments == (stacked, 1)  # the stacked rows were not re-stacked
    # Enough new rows fold the delta in, once.
    index.add(
        FactCheckEntry(f"extra-{i}", f"Kabar bohong nomor {i} tentang pemilu") for i in range(5)
    )
    assert index.segments == (index.n_rows, 0)


@pytest.mark.parametrize("split", [1, 3, 7])
@pytest.mark.parametrize("max_postings", [64, 2])  # 2: frequent features leave the join
def test_incremental_index_ranks_exactly_like_a_fresh_one(split: int, max_postings: int) -> None:
    entries = _entries()
    grown = FactCheckIndex(max_postings)
    for start in range(0, len(entries), split):
        grown.add(entries[start : start + split])
        grown.row_entry  # noqa: B018 - query between adds, as a running service would
    fresh = FactCheckIndex(max_postings)
    fresh.add(entries)
    texts = [t for t, _ in CLAIMS] + NEWS
    a = FactCheckMatcher(grown).rank(texts, 5)
    b = FactCheckMatcher(fresh).rank(texts, 5)
    assert [[e for e, _ in r] for r in a] == [[e for e, _ in r] for r in b]
    for ra, rb in zip(a, b, strict=True):
        assert [s for _, s in ra] == pytest.approx([s for _, s in rb], abs=1e-9)


def test_same_entry_twice_is_indexed_once() -> None:
    entries = _entries()
    index = _index(entries)
    assert index.add(entries[:3]) == 0
    assert len(index) == len(entries)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "hoaks",
        "https://turnbackhoax.id/2024/02/10/salah-surat-suara-tercoblos-gudang-bekasi/",
        "#pemilu2024 #kpu #bekasi #suratsuara",
        "😱😱😱 !!!",
        "@kpu_ri @bawaslu_ri",
    ],
)
def test_empty_short_url_and_hashtag_texts_never_match(text: str) -> None:
    matcher = FactCheckMatcher(_index(_entries()))
    assert matcher.match([text]) == [None]
    assert matcher.rank([text]) == [[]]


def test_100kb_text_is_matched_on_its_head_quickly() -> None:
    matcher = FactCheckMatcher(_index(_entries()))
    claim, want = CLAIMS[0]
    huge = claim + " " + ("lorem ipsum dolor sit amet " * 4000)
    assert len(huge) > 100_000
    started = time.process_time()
    (got,) = matcher.ranked([huge], k=1)
    # Ranked first; whether it clears the article threshold is the chance features' call:
    # a claim's words inside ~700 words of other text are weaker evidence than on their own.
    assert got and matcher.index.entries[got[0].entry].key == want
    assert len(match_text(huge)) < 5000  # bounded work, whatever the paste size
    assert time.process_time() - started < 5  # a guard against unbounded work, not a benchmark


def test_non_string_inputs_do_not_crash() -> None:
    matcher = FactCheckMatcher(_index(_entries()))
    assert matcher.match([None, 42]) == [None, None]  # type: ignore[list-item]


def test_empty_index_matches_nothing() -> None:
    assert FactCheckMatcher(FactCheckIndex()).match([CLAIMS[0][0]]) == [None]


def test_verdict_tags_are_stripped() -> None:
    assert strip_verdict("[SALAH] [HOAKS] KPU Pindah") == "KPU Pindah"
    assert strip_verdict("Keliru, Tinta Pemilu") == "Tinta Pemilu"
    assert strip_verdict("HOAKS: Surat Suara") == "Surat Suara"
    assert strip_verdict("Salah satu caleg") == "Salah satu caleg"


def test_calibration_must_fit_the_features() -> None:
    assert len(DEFAULT_CALIBRATION.coef) == len(FEATURES)
    with pytest.raises(ValueError, match="weights"):
        Calibration(-9.0, (1.0, 2.0, 3.0, 4.0), 0.8)
    with pytest.raises(ValueError, match="threshold"):
        Calibration(0.0, (0.0,) * len(FEATURES), 1.5)
