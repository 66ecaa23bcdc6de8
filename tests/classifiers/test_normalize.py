"""Normaliser, stemmer and rule layer: behaviour on real Indonesian registers and hostile input."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from classifiers.text import normal_form
from classifiers.text.normal_form import build_table, parse_table
from classifiers.text.normalize import Normalizer, decode_escapes, normalize, split_hashtag
from classifiers.text.rules import RuleFeatures, fired
from classifiers.text.stem import Stemmer, cache_size, stem_word

# Checks that do not apply to text transformers, each with the reason. Everything else in
# the estimator contract (get/set_params, clone, fitted state in `_`, unfitted errors,
# empty/complex/NaN input errors, read-only input, ...) must pass.
_NO_FEATURE_COUNT = "texts have no feature count (n_features_in_)"
_TEXT_COMMON = {
    "check_n_features_in": _NO_FEATURE_COUNT,
    "check_n_features_in_after_fitting": _NO_FEATURE_COUNT,
    "check_fit2d_predict1d": "a 1-D sequence of strings is the normal text input",
    "check_transformer_data_not_an_array": "a list of numeric rows is not text; refused",
}
# Text-to-text steps return strings, which these checks compare with assert_allclose.
_TEXT_OUT = {
    **_TEXT_COMMON,
    "check_transformer_general": "output is text, compared numerically (allclose)",
    "check_transformer_preserve_dtypes": "output is a list of strings, has no dtype",
    "check_pipeline_consistency": "output is text, compared numerically (allclose)",
    "check_estimators_pickle": "output is text, compared numerically (allclose)",
    "check_fit_idempotent": "output is text, compared numerically (allclose)",
    "check_methods_sample_order_invariance": "output is text, compared numerically",
    "check_methods_subset_invariance": "output is text, compared numerically",
}
_RULES = {
    **_TEXT_COMMON,
    "check_transformer_general": _NO_FEATURE_COUNT + " to compare between fit and transform",
}


def _expected(est: object) -> dict[str, str]:
    return _RULES if isinstance(est, RuleFeatures) else _TEXT_OUT


@parametrize_with_checks(
    [Normalizer(), Stemmer(enabled=False), Stemmer(), RuleFeatures()],
    expected_failed_checks=_expected,
)
def test_sklearn_contract(estimator, check) -> None:  # type: ignore[no-untyped-def]
    check(estimator)


def test_get_params_round_trip() -> None:
    norm = Normalizer(lexicons=[("words", "/nonexistent")])
    assert norm.get_params() == {"lexicons": [("words", "/nonexistent")], "max_chars": None}
    assert Stemmer(enabled=False).set_params(enabled=True).enabled is True


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Pemilu udh deket, yg gak nyoblos rugi", "pemilu sudah deket yang tidak coblos rugi"),
        ("bangeeeet kereeen", "banget keren"),
        ("ini h0ax dan p3milu", "ini hoax dan pemilu"),
        ("anak-anak dan anak2", "anak anak dan anak anak"),
        ("Cek https://t.co/abc @kpu_ri", "cek urltoken mentiontoken"),
        ("USER: lihat URL", "mentiontoken lihat urltoken"),
        ("amplop Rp 100.000 atau 50rb", "amplop nominaluang atau nominaluang"),
        ("kok gitu!!!???", "kok gitu ! ?"),
        ("ＦＵＬＬＷＩＤＴＨ teks", "fullwidth teks"),
        ("“kutipan” lengkung", "\t kutipan \t lengkung"),
    ],
)
def test_normalize_cases(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_hashtags_split_on_case_and_by_dictionary() -> None:
    assert split_hashtag("TolakPolitikUang") == ["tolak", "politik", "uang"]
    assert split_hashtag("tolakpolitikuang", {"tolak": "", "politik": "", "uang": ""}) == [
        "tolak",
        "politik",
        "uang",
    ]
    assert "hashtagtoken tolak politik uang" in normalize("#TolakPolitikUang")


def test_literal_escapes_from_public_datasets() -> None:
    raw = "mantap \\xf0\\x9f\\x98\\x82\\n baris"
    assert decode_escapes(raw) == "mantap \U0001f602  baris"
    assert normalize(raw) == "mantap emojitoken baris"
    # A broken escape run decodes to nothing rather than raising.
    assert normalize("rusak \\xf0\\x9f teks") == "rusak teks"


def test_hostile_input() -> None:
    norm = Normalizer().fit(None)
    out = norm.transform(["", "\x00\x01\u200b", "a" * 200_000, "😀" * 1000, "\ud800 x"])
    assert out[0] == ""
    assert len(out) == 5
    with pytest.raises(ValueError, match="sequence of texts"):
        norm.transform("one string")
    with pytest.raises(ValueError, match="expected texts"):
        norm.transform([1, 2])
    with pytest.raises(ValueError, match="1-D"):
        norm.transform(np.zeros((2, 2, 2)))


def test_lexicons_from_public_files(shared_data) -> None:  # type: ignore[no-untyped-def]
    lex = [
        ("kamusalay", str(shared_data / "ibrohim2019_hs_abusive" / "new_kamusalay.csv")),
        ("words", str(shared_data / "slang_indo_normalizer_pypi" / "common_words.txt")),
    ]
    norm = Normalizer(lexicons=lex).fit(None)
    assert norm.n_slang_ > 10_000
    # The curated list wins, protected words are never rewritten.
    assert norm.transform(["jgn lupa ke tps, pemilu bsk"]) == ["jangan lupa ke tps pemilu besok"]


def test_stemmer_protects_election_words_and_caches() -> None:
    assert stem_word("pemilu") == "pemilu"
    assert stem_word("kecurangan") == "curang"
    before = cache_size()
    Stemmer().fit([]).transform(["kecurangan pemilu"] * 3)
    assert cache_size() >= before
    assert Stemmer(enabled=False).fit([]).transform(["kecurangan"]) == ["kecurangan"]


def test_rules_fire_and_suppress() -> None:
    names = {r.name for r in fired(normalize("Serangan fajar 100rb asal coblos nomor 2"))}
    assert "mp_strong_offer" in names
    against = {r.name for r in fired(normalize("Tolak politik uang! Jangan terima amplop"))}
    assert "mp_against" in against
    X = RuleFeatures().fit([]).transform([normalize("jangan pilih pemimpin kafir"), "netral"])
    assert X.shape[0] == 2
    assert X[0].sum() > 0
    assert X[1].sum() == 0


def test_rule_gates_never_change_what_fires() -> None:
    import re

    from classifiers.data.corpus import EVAL_DIR, load_seeds, read_labelled_jsonl
    from classifiers.text.rules import RULES, plain, unquoted

    raw = [(r.name, re.compile(r.pattern), r.outside_quotes) for r in RULES]
    rows = [*load_seeds(), *read_labelled_jsonl(EVAL_DIR / "heldout_posts.jsonl")]
    for ex in rows:
        text = normalize(ex.text)
        # Quote-aware rules read the text with quoted passages blanked (not a gate).
        want = [n for n, p, q in raw if p.search(unquoted(text) if q else plain(text))]
        assert [r.name for r in fired(text)] == want, ex.text


def _fresh(text: str, *args: object) -> str:
    normal_form._STAGED.clear()
    return normal_form.normalize(text, *args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "Pilih #JanganGolput #pemiluDamai nomor 2, dapet 50rb!! @kpu_ri http://t.co/x",
        "#savekpu #pilpresjujur lahhh gmn nih, 'usir cina' katanya",
        "cek \\xf0\\x9f\\x98\\x82 fakta\\n" + "kata " * 400 + "#tagarpanjang di akhir",
        "ASLI BUKAN HOAX: bagi amplop serangan fajar seratus ribu per kepala",
        "",
        "\x00\ud800 ✓ " * 30,
    ],
)
def test_normalising_twice_with_other_tables_equals_normalising_fresh(text: str) -> None:
    # The model's call (big slang, hashtag vocabulary, a cut) then the matcher's (curated
    # slang, no vocabulary, no cut) must each give what a first call would.
    slang = {"gmn": "gimana", "dapet": "dapat", "lahh": "lah"}
    vocab = {"jangan": 0, "golput": 1, "save": 2, "kpu": 3, "pilpres": 4, "jujur": 5}
    want_model, want_match = _fresh(text, slang, vocab, 300), _fresh(text)
    normal_form._STAGED.clear()
    assert normal_form.normalize(text, slang, vocab, 300) == want_model
    assert normal_form.normalize(text) == want_match
    assert normal_form.normalize(text, slang, vocab, 300) == want_model
    assert normal_form.normalize(text, slang, dict(vocab), None) == _fresh(text, slang, dict(vocab))


def test_shared_normalisation_equals_fresh_on_real_texts(shared_data: Path) -> None:
    texts = [row["text"] for row in _real_texts(shared_data)]
    assert len(texts) > 1000
    slang = parse_table(build_table({"yg": "yang", "gk": "tidak", "bgt": "banget"}))
    vocab = {w: 0 for w in ("jokowi", "prabowo", "pilpres", "ganti", "presiden", "tetap")}
    fresh = [(_fresh(t, slang, vocab, 1500), _fresh(t)) for t in texts]
    normal_form._STAGED.clear()
    shared = []
    for t in texts:
        model = normal_form.normalize(t, slang, vocab, 1500)
        shared.append((model, normal_form.normalize(t)))
    assert shared == fresh
    assert len(normal_form._STAGED) <= normal_form.STAGED_LIMIT


def _real_texts(root: Path) -> list[dict[str, str]]:
    # Tweets (Ibrohim & Budi 2019, Pilpres 2019) and news bodies (IndoSum), each its register.
    rows: list[dict[str, str]] = []
    ibrohim = root / "ibrohim2019_hs_abusive" / "re_dataset.csv"
    pilpres = root / "pilpres2019_sentiment" / "tweet.csv"
    if not ibrohim.is_file() or not pilpres.is_file():
        pytest.skip("shared tweet datasets absent")
    with ibrohim.open(encoding="cp1252", errors="replace", newline="") as fh:
        rows += [{"text": r["Tweet"]} for r in itertools.islice(csv.DictReader(fh), 3000)]
    with pilpres.open(encoding="utf-8", errors="replace", newline="") as fh:
        rows += [{"text": r["tweet"]} for r in itertools.islice(csv.DictReader(fh), 1500)]
    return rows


def test_remembered_slang_answers_equal_fresh_ones(shared_data: Path) -> None:
    texts = [row["text"] for row in _real_texts(shared_data)][:1500]
    table = parse_table(build_table({"yg": "yang", "gk": "tidak", "bgt": "banget", "sy": "saya"}))
    plain_copy = dict(table)  # not a remembered table: always the slow path
    for slang in (table, normal_form.CURATED_SLANG):
        normal_form._STAGED.clear()
        first = [normal_form.normalize(t, slang) for t in texts]  # fills the answers
        again = [normal_form.normalize(t, slang) for t in texts]  # reads them
        assert first == again
    normal_form._STAGED.clear()
    assert [normal_form.normalize(t, plain_copy) for t in texts] == [
        normal_form.normalize(t, table) for t in texts
    ]
    assert id(table) in normal_form._FIXED and id(plain_copy) not in normal_form._FIXED
