"""The gazetteer's build shortcuts give the same tokens and phrases as the plain forms."""

from __future__ import annotations

import re

import pytest

from monitor.regions import gazetteer
from monitor.regions.gazetteer import (
    DISTRICT_CUES,
    REGENCY_CUES,
    build_gazetteer,
    official_regions,
    tokens_of,
)


def plain_tokens(text: str) -> tuple[str, ...]:
    """The tokeniser as first written (one match object a token)."""
    return tuple(m.group(0).lower() for m in re.finditer(r"[^\W_]+", text))


@pytest.mark.parametrize(
    "text",
    [
        "Kab. Tanjung_Jabung  Timur",
        "İSTANBUL ǅemal ß Straße",  # lower() changes length or adds a combining mark
        "#TanjungPinang2024 @bawaslu_ri!!",
        "kota\u00a0administrasi\tjakarta\npusat",
        "",
        "___ --- ...",
        "١٢٣ Ⅻ ½ café",
    ],
)
def test_tokens_equal_the_plain_tokeniser(text: str) -> None:
    assert tokens_of(text) == plain_tokens(text)


def test_cue_phrases_and_shared_candidates_index_the_same_phrases() -> None:
    records = official_regions()
    gaz = build_gazetteer(records)
    # Rebuilt the plain way: every cue split anew, one candidate a phrase.
    expected: dict[tuple[str, ...], set[tuple[str, str, bool]]] = {}
    for rec in records:
        if not rec.code.startswith(("15", "31", "94")):
            continue  # three provinces (Jambi, Jakarta, Papua's distrik) keep the test short
        bare = tokens_of(gazetteer.bare_name(rec.name))
        cues: tuple[str, ...]
        if rec.level == "district":
            cues, strength = DISTRICT_CUES, "district"
        elif rec.level == "regency":
            cues, strength = REGENCY_CUES, "strong"
        else:
            continue  # provinces and cities: same code path, checked by the regencies
        for cue in cues:
            expected.setdefault(plain_tokens(cue) + bare, set()).add((rec.code, strength, False))
    for phrase, wanted in expected.items():
        got = {(c.code, c.strength, c.common) for c in gaz.phrases[phrase]}
        assert wanted <= got, phrase
    # A candidate is listed once per code and strength, however many phrases share it.
    for bucket in gaz.phrases.values():
        pairs = [(c.code, c.strength) for c in bucket]
        assert len(pairs) == len(set(pairs))
