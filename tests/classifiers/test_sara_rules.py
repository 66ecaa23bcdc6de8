"""identity_politics rules: hostility at a group, negation, counter-speech and quoted slurs.

The sentences are the team's own (written for these tests, not taken from SEAHateCheck or
Ibrohim), in the chat register the monitor reads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from classifiers.contracts import LABELS
from classifiers.text.normalize import QUOTE_TOKEN, normalize
from classifiers.text.rules import RULES, RuleFeatures, fired, rule_floors, unquoted

IP = LABELS.index("identity_politics")


def sara_floor(text: str) -> bool:
    """Whether a strong, unsuppressed identity_politics rule fires."""
    return bool(rule_floors([normalize(text)], LABELS, 0.9)[0, IP] > 0)


@pytest.mark.parametrize(
    "text",
    [
        "orang madura tuh emang licik semua, jangan percaya",
        "Kaum syiah itu sampah masyarakat, gak usah dikasih tempat",
        "Gw muak banget sama orang tionghoa di kantor gw",
        "Etnis cina bikin gue jijik, serakah semua",
        "Usir aja tuh orang aseng dari kampung kita",
        "ahmadiyah harus dibasmi dari negeri ini",
        "orang papua gak punya hak tinggal di sini",
        "Kota ini lebih aman tanpa orang batak",
        "Cina udah kuasai pasar di sini. Ayo usir mereka!",
        "Tolak etnis cina jadi pemimpin di tanah air",
        "Rezim ini jelas anti islam, umat harus bangkit",
        "gak ada yang lebih rendah daripada orang jawa",
        "dasar jongos aseng, jual negara",
    ],
)
def test_hostility_at_a_group_sets_the_floor(text: str) -> None:
    assert sara_floor(text), [r.name for r in fired(normalize(text))]


@pytest.mark.parametrize(
    "text",
    [
        # Neutral and positive mentions.
        "Gue orang batak, besok pulang kampung ke Samosir",
        "Orang minang jago masak, rendang paling enak",
        "Umat Hindu di Bali merayakan Nyepi dengan khidmat",
        # Negation.
        "Gue gak benci orang tionghoa, temen gue banyak",
        "Orang madura bukan orang bodoh, mereka pekerja keras",
        "Gak ada orang papua yang pantas diperlakukan kayak gitu",
        # Reported to condemn, with and without quotation marks.
        'Postingan kayak "orang cina itu sampah" harusnya dilaporin, itu rasis',
        "Dia dipecat karena bilang orang batak itu bodoh",
        "Ngatain orang jawa kampungan itu gak baik, stop",
        "Kita gak boleh membiarkan orang menghina kaum syiah",
        # News: reported violence against a group and residents' chores.
        "Warga Papua ditembak orang tak dikenal di Intan Jaya, polisi menyelidiki",
        "Warga Bali membuang sampah ke sungai, pemda menegur",
        "Polisi menangkap pelaku yang membunuh orang Madura di Sampang",
    ],
)
def test_neutral_negated_and_counter_speech_get_no_floor(text: str) -> None:
    assert not sara_floor(text), [r.name for r in fired(normalize(text))]


def test_quotation_marks_survive_normalisation_as_a_token() -> None:
    text = normalize("Ucapan \u201corang jawa itu sampah\u201d menyakitkan")
    assert text == f"ucapan {QUOTE_TOKEN} orang jawa itu sampah {QUOTE_TOKEN} menyakitkan"
    assert unquoted(text) == "ucapan kutipan menyakitkan"
    # Single quotes opened after a space count too; apostrophes inside words do not.
    assert (
        normalize("nyebar 'usir cina' lagi") == f"nyebar {QUOTE_TOKEN} usir cina {QUOTE_TOKEN} lagi"
    )
    assert QUOTE_TOKEN not in normalize("Sholat Jum'at, baca Qur'an")


def test_a_slur_used_outside_quotes_still_counts() -> None:
    # Scare quotes around one word are not a quotation; an old-style retweet endorses.
    assert sara_floor('orang cina itu "sampah", usir aja')
    assert sara_floor("dasar 'aseng' licik")
    assert sara_floor('RT "@budi: usir cina dari tanah air kita"')
    # A quoted slur is a mention; the writer's own slur after the quote still counts.
    assert not sara_floor('dia nulis "orang cina itu sampah" di grup')
    assert sara_floor('dia nulis "selamat pagi semua teman" lalu bilang orang cina itu sampah')


def test_quoted_slur_gives_no_feature_column_either() -> None:
    feats = RuleFeatures().fit([])
    names = feats.rule_names_
    row = feats.transform([normalize('katanya "usir semua orang cina" tuh rasis')]).toarray()[0]
    fired_names = {names[j] for j in np.flatnonzero(row)}
    assert not {"ip_threat_group", "ip_hate_group", "ip_group_hostile"} & fired_names
    assert "ip_group" in fired_names  # the neutral mention is still seen


def test_new_identity_rules_are_quote_aware_floors_with_descriptions() -> None:
    by_name = {r.name: r for r in RULES}
    for name in ("ip_contempt_group", "ip_hatred_group", "ip_threat_group"):
        assert by_name[name].strong and by_name[name].outside_quotes
        assert by_name[name].label == "identity_politics"
    assert not by_name["ip_group_hostile"].strong


@pytest.mark.parametrize(
    "text",
    [
        "",
        '"',
        '""""""""',
        '"' * 5000,
        "orang cina " * 5000,
        '"orang cina itu ' * 2000,
        "benci " * 3000 + "orang jawa",
        "\x00\ud800 orang batak \U0001f600 licik \u202e",
        "usir " * 10_000,
    ],
)
def test_hostile_input_is_handled(text: str) -> None:
    norm = normalize(text)
    assert isinstance(unquoted(norm), str)
    row = rule_floors([norm], LABELS, 0.9)
    assert row.shape == (1, len(LABELS))
    X = RuleFeatures().fit([]).transform([norm])
    assert X.shape == (1, len(RULES))


def test_seahatecheck_split_is_by_group_and_disjoint(shared_data: Path) -> None:
    from classifiers.research.rulecheck import SARA_TARGETS
    from classifiers.research.sarabench import SHC_DEV, SHC_TEST, seahatecheck, shc_report

    assert not SHC_DEV & SHC_TEST
    assert SHC_DEV | SHC_TEST == SARA_TARGETS
    dev = seahatecheck(shared_data, SHC_DEV)
    assert dev and {r["p_target"] for r in dev} <= SHC_DEV
    flags = np.array([r["t_gold"] == "hateful" for r in dev])
    report = shc_report(dev, flags)
    assert report["f1"] == 1.0 and report["neutral_flag_rate"] == 0.0


def test_quote_token_is_invisible_to_the_ngram_vectorisers() -> None:
    # A visible marker became a hoax n-gram on quote-heavy news (docs/rules.md).
    from sklearn.feature_extraction.text import TfidfVectorizer

    quoted = normalize('Dia bilang "orang batak itu licik" kemarin')
    plain = normalize("Dia bilang orang batak itu licik kemarin")
    assert quoted != plain
    for kwargs in ({"analyzer": "char_wb", "ngram_range": (3, 5)}, {"token_pattern": r"\b\w+\b"}):
        a = TfidfVectorizer(**kwargs).fit([quoted])
        b = TfidfVectorizer(**kwargs).fit([plain])
        assert a.vocabulary_ == b.vocabulary_
