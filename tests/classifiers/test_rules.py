"""The rule layer: descriptions for reviewers, incitement vs counter-speech, hostile input."""

from __future__ import annotations

import re

import numpy as np
import pytest

from classifiers.contracts import LABELS
from classifiers.text.normalize import normalize
from classifiers.text.rules import RULES, RuleFeatures, fired, rule_floors

# English words that would mean a description was left untranslated.
_ENGLISH = re.compile(r"\b(the|of|and|with|wording|vote|money|near|campaign|appeal)\b", re.I)


def floors(text: str) -> list[str]:
    """Labels a strong, unsuppressed rule puts a floor under."""
    row = rule_floors([normalize(text)], LABELS, 0.9)[0]
    return [label for j, label in enumerate(LABELS) if row[j] > 0]


def test_every_rule_has_an_indonesian_description_and_a_known_label() -> None:
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    for rule in RULES:
        assert rule.label in LABELS, rule.name
        assert len(rule.description.split()) >= 2, f"{rule.name}: description missing"
        assert rule.description != rule.name
        assert not _ENGLISH.search(rule.description), f"{rule.name}: {rule.description!r}"
        assert not (rule.strong and rule.suppressor), rule.name
        re.compile(rule.pattern)


def test_every_label_with_a_floor_has_a_suppressor() -> None:
    for label in LABELS:
        if any(r.strong for r in RULES if r.label == label):
            assert any(r.suppressor for r in RULES if r.label == label), label


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Jgn pilih pemimpin kafir!! umat wajib solid", "identity_politics"),
        ("pokoknya pilih yg seiman, titik", "identity_politics"),
        ("Usir cina dari tanah air kita", "identity_politics"),
        ("dasar aseng, pulang aja ke negaramu", "identity_politics"),
        ("Ceramah di musala tadi, jamaah diminta coblos paslon 2", "identity_politics"),
        ("Gaes dpt amplop 100rb asal coblos no 3 ya", "money_politics"),
        ("uang transport 50rb buat yg pilih nomor 4", "money_politics"),
        ("wani piro? suara sekeluarga siap", "money_politics"),
        ("Timses caleg bagi-bagi sembako di RT 04 Kelurahan Cempaka", "money_politics"),
        ("ketua partai minta mahar politik 5 miliar", "money_politics"),
        ("Capres itu antek asing, boneka oligarki", "black_campaign"),
        ("Katanya cagub itu punya istri simpanan di Bandung", "black_campaign"),
        ("Surat suara udah tercoblos di Malaysia! sebarkan sebelum dihapus", "hoax"),
        ("KPU umumkan pencoblosan ditunda, viralkan ke semua grup", "hoax"),
    ],
)
def test_incitement_and_offers_set_a_floor(text: str, label: str) -> None:
    assert label in floors(text)


@pytest.mark.parametrize(
    "text",
    [
        # identity: counter-speech, quoting a slur to condemn it, neutral mentions
        "Jangan termakan isu SARA, tidak boleh memilih berdasarkan agama",
        "Menolak politisasi agama: masjid bukan tempat kampanye",
        "Yang nyebar 'usir cina' di grup itu rasis, stop ujaran kebencian ke etnis Tionghoa",
        "Perayaan Cap Go Meh di Singkawang ramai wisatawan",
        "Gereja Katedral gelar misa Natal, jemaat datang sejak pagi",
        "Bawaslu tegur caleg yang kampanye di rumah ibadah",
        # money: appeals, bansos news, envelopes, football, corruption
        "Tolak politik uang! Jangan terima amplop serangan fajar",
        "BLT tahap 2 cair, penerima bawa KTP ke kantor pos",
        "Amplop kondangan isi berapa ya buat nikahan temen",
        "Persib lancarkan serangan fajar, gol di menit ke-2",
        "KPK tetapkan kadis tersangka suap proyek jalan 2 miliar",
        # black campaign: history, sourced criticism, counter-speech
        "Pelajaran sejarah hari ini: pemberontakan PKI Madiun 1948",
        "Isu capres anak PKI itu fitnah, sudah dibantah keluarganya",
        "Menurut laporan BPK ada temuan di anggaran gubernur petahana",
        # hoax: debunks quoting the hoax
        "Klarifikasi: informasi pencoblosan ditunda adalah hoaks, jangan sebarkan",
    ],
)
def test_hard_negatives_get_no_floor(text: str) -> None:
    assert floors(text) == []


def test_gates_are_necessary_conditions() -> None:
    texts = [
        "amplop 100rb asal coblos no 3",
        "jangan pilih pemimpin kafir",
        "benci sama orang papua",
        "capres antek asing",
        "sebarkan! kpu tunda pemilu",
    ]
    for text in texts:
        norm = normalize(text)
        for rule in RULES:
            if re.search(rule.pattern, norm):
                assert all(re.search(g, norm) for g in rule.gates), rule.name
                assert rule in fired(norm)


def test_rule_features_keep_the_fitted_columns() -> None:
    feats = RuleFeatures().fit(["x"])
    wide = feats.transform(["jangan pilih pemimpin kafir"])
    assert wide.shape == (1, len(RULES))
    # A model fitted with an older rule set: a vanished rule stays a silent column.
    feats.rule_names_ = ["no_longer_exists", "ip_vote_by_identity"]
    old = feats.transform([normalize("jangan pilih pemimpin kafir")])
    assert old.shape == (1, 2)
    assert old.toarray().tolist() == [[0.0, 1.0]]


@pytest.mark.parametrize(
    "text",
    ["", "🙏🙏🙏", "a" * 50_000, "kafir " * 5_000, ("amplop " + "x " * 40) * 2_000, "\x00\ud7ff"],
)
def test_hostile_input_is_scored_without_error(text: str) -> None:
    out = rule_floors([normalize(text)], LABELS, 0.9)
    assert out.shape == (1, len(LABELS))
    assert np.isin(out, [0.0, 0.9]).all()


def test_a_countered_strong_rule_does_not_feed_the_model() -> None:
    feats = RuleFeatures().fit(["x"])
    names = [r.name for r in RULES]
    quoted = "jangan termakan isu sara, yang bilang jangan pilih pemimpin kafir itu memecah belah"
    row = feats.transform([normalize(quoted)]).toarray()[0]
    assert row[names.index("ip_vote_by_identity")] == 0
    assert row[names.index("ip_counter")] == 1
    plain = feats.transform([normalize("jangan pilih pemimpin kafir")]).toarray()[0]
    assert plain[names.index("ip_vote_by_identity")] == 1
