"""The shared cleaning step: invisible padding changes neither features nor clusters."""

from __future__ import annotations

import pytest

from classifiers.neardup.minhash import cluster_text, names_of, text_signature
from classifiers.text.invisible import clean_text, strip_invisible
from classifiers.text.normalize import normalize

POST = "Surat suara tercoblos paslon 01 ditemukan di kontainer Tanjung Priok, sebarkan!"
PADS = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\ufe0f", "\u00ad", "\u180e"]


@pytest.mark.parametrize("pad", PADS)
def test_zero_width_characters_are_removed(pad: str) -> None:
    padded = pad.join(POST)
    assert strip_invisible(padded) == POST
    assert clean_text(padded) == POST
    assert normalize(padded) == normalize(POST)


def test_blank_fillers_become_one_space() -> None:
    for filler in ("\u3164", "\uffa0", "\u115f", "\u1160", "\u2800"):
        assert clean_text(f"hoaks{filler}{filler}{filler}pemilu") == "hoaks pemilu"
        assert normalize(POST.replace(" ", filler)) == normalize(POST)
    assert clean_text("baris satu\n\nbaris dua") == "baris satu\n\nbaris dua"  # newlines kept


def test_nfkc_undoes_lookalike_letters() -> None:
    assert clean_text("ＨＯＡＫＳ") == "HOAKS"  # fullwidth
    assert clean_text("\U0001d421\U0001d428\U0001d41a\U0001d424\U0001d42c") == "hoaks"  # math bold
    assert clean_text("plain ascii  stays") == "plain ascii  stays"
    assert strip_invisible("kata\U000e0041\U000e0042") == "kata"  # tag characters


def test_padded_copies_cluster_with_the_original() -> None:
    plain = text_signature(POST)
    for pad in ("\u3164", "\u200b", "\ufe0f"):
        padded = POST.replace(" ", f" {pad}") + pad * 300
        sig = text_signature(padded)
        assert sig is not None and plain is not None
        assert sig.similarity(plain) == 1.0 and sig.names == plain.names
    for pad in ("\u200b", "\ufe0f", "\u00ad"):  # zero-width characters inside words
        assert cluster_text(" ".join(pad.join(w) for w in POST.split(" "))) == cluster_text(POST)
    assert cluster_text("\u3164".join(POST.split(" "))) == cluster_text(POST)
    assert names_of("\u200b".join(POST)) == names_of(POST)
