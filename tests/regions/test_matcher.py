"""The gazetteer matcher: official names, abbreviations, ambiguity, traps, hostile input."""

from __future__ import annotations

import pytest

from monitor.regions import evaluation
from monitor.regions.gazetteer import default_gazetteer
from monitor.regions.matcher import default_matcher


def codes(text: str) -> set[str]:
    """Codes the matcher assigns to text."""
    return {m.code for m in default_matcher().match(text)}


def test_official_list_has_every_province_and_kabupaten_kota() -> None:
    levels = [r.level for r in default_gazetteer().regions.values()]
    assert levels.count("province") == 38
    assert levels.count("regency") + levels.count("city") == 514
    assert levels.count("district") > 7000


@pytest.mark.parametrize(
    "text",
    [
        "Pembagian amplop di Tanjab Timur",
        "Bawaslu Kab. Tanjung Jabung Timur menerima laporan",
        "kabupaten tanjung jabung timur",
        "TANJABTIM rawan",
    ],
)
def test_done_when_forms_land_on_15_07(text: str) -> None:
    matches = default_matcher().match(text)
    assert [(m.code, m.province_code, m.level) for m in matches] == [("15.07", "15", "regency")]


def test_evidence_is_the_matched_span() -> None:
    text = "Laporan warga: Kab. Tanjung Jabung Timur, Jambi."
    match = next(m for m in default_matcher().match(text) if m.code == "15.07")
    assert text[match.start : match.end] == match.evidence == "Kab. Tanjung Jabung Timur"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bupati Bandung membantah", {"32.04"}),
        ("Wali Kota Bandung meminta ASN netral", {"32.73"}),
        # Bare "Bandung" could be either: only the province is certain.
        ("Hoaks beredar di Bandung kemarin", {"32"}),
        ("Pemkab Bogor dan Pemkot Bogor", {"32.01", "32.71"}),
        ("Gubernur Jambi mengimbau warga", {"15"}),
        ("Di Kota Jambi spanduk dicopot", {"15.71"}),
        ("Jambi memanas", {"15"}),
        ("Kabupaten Banjar, Kalsel", {"63.03", "63"}),
        ("Kota Banjar di Jawa Barat", {"32.79", "32"}),
    ],
)
def test_ambiguous_names(text: str, expected: set[str]) -> None:
    assert codes(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jabar, Jateng, Jatim", {"32", "33", "35"}),
        ("Sumut dan Sulsel", {"12", "73"}),
        ("DKI dan Kaltim", {"31", "64"}),
        ("Caleg di Jaksel", {"31.74"}),
        ("NTT rawan", {"53"}),
        ("Warga Tanjungpinang", {"21.72"}),
        ("Di Palangka Raya", {"62.71"}),
    ],
)
def test_abbreviations_and_spellings(text: str, expected: set[str]) -> None:
    assert codes(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Jangan malang nasibnya, pilih dengan hati nurani.",
        "Pendukung paslon saling serang di media sosial.",
        "Medan perang opini makin panas.",
        "Makan nasi Padang bareng timses.",
        "Polda Metro Jaya menangkap penyebar hoaks.",
        "Massa melempar batu ke posko.",
        "Anies Tak Buru-buru Bikin Tim Pemenangan",
        "Saya Siap Di Kutuk Menjadi Batu Jika KPU Curang",
        "Komisaris Perusahaan Batu Bara itu menyamar",
        "KPU RI menetapkan jadwal debat.",
        "HOAKS!!! KOTAK SUARA DI MALANG SUDAH DIISI",
    ],
)
def test_common_words_are_not_regions(text: str) -> None:
    assert codes(text) == set()


def test_common_word_name_written_as_a_name_mid_sentence() -> None:
    assert codes("Di Medan, relawan membagikan sembako") == {"12.71"}
    assert codes("Kampanye akbar di Solo dihadiri ribuan orang") == {"33.72"}


def test_kecamatan_only_with_cue_and_unambiguous() -> None:
    assert codes("Kecamatan Nipah Panjang") == {"15.07.02"}
    # "Sukajadi" exists in several kabupaten: only the one inside the named city counts.
    assert codes("Kec. Sukajadi, Kota Bandung") == {"32.73", "32.73.07"}
    assert codes("Kecamatan Sukajadi") == set()
    assert codes("Nipah Panjang") == set()  # bare kecamatan names are never tagged


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "🙂" * 1000,
        "\x00\x01\x02 Kab.\u200b Bogor",
        "a" * 200_000,
        "Kabupaten " * 5000,
        "<script>alert('Jakarta')</script>",
    ],
)
def test_hostile_text_is_handled(text: str) -> None:
    result = default_matcher().match(text)
    assert isinstance(result, list)
    for m in result:
        assert text[m.start : m.end] == m.evidence


def test_labelled_set_meets_precision_targets() -> None:
    report = evaluation.evaluate_file(evaluation.DEFAULT_SET)
    assert report.items >= 300
    assert report.scores["province"].precision >= 0.95
    assert report.scores["kabkota"].precision >= 0.90


def test_evaluation_rejects_bad_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "kabkota": ["99.99"]}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="unknown region code"):
        evaluation.evaluate_file(bad)
    bad.write_text("not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1"):
        evaluation.evaluate_file(bad)


def test_search_resolves_names_abbreviations_and_codes() -> None:
    gaz = default_gazetteer()
    assert [r.code for r in gaz.search("Tanjab Timur")] == ["15.07"]
    assert gaz.search("15.07")[0].name == "Kabupaten Tanjung Jabung Timur"
    assert gaz.search("1507")[0].code == "15.07"
    assert {"32.04", "32.73"} <= {r.code for r in gaz.search("Bandung")}
    assert gaz.search("zzzz-not-a-place") == []


def test_heldout_set_meets_precision_targets() -> None:
    # Written by a different author than the matcher's rules, so less flattering.
    report = evaluation.evaluate_file(evaluation.HELDOUT_SET)
    assert report.items >= 100
    assert report.scores["province"].precision >= 0.95
    assert report.scores["kabkota"].precision >= 0.90
    assert report.scores["kabkota"].recall >= 0.95


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("MATARAM, KOMPAS.com - Bawaslu menemukan amplop.", {"52.71"}),
        ("MATARAM (ANTARA) - Bawaslu menemukan amplop.", {"52.71"}),
        ("KUDUS - Spanduk provokatif diturunkan.", {"33.19"}),
        ("MATARAM KUNO DAN SEJARAHNYA", set()),
        ("Tim sukses Pak Kudus Wijaya membagikan amplop.", set()),
        ("Makan sate Padang dengan Bu Pati di posko.", set()),
        ("Bali Democracy Forum membahas integritas pemilu.", set()),
        ("Kampanye di kawasan Kuningan berlangsung tertib.", set()),
        ("Rapat akbar digelar di Kuningan, Jakarta Selatan, pada pagi hari itu.", {"31.74"}),
        ("Rapat akbar digelar di Kuningan, Jawa Barat, pada pagi hari itu.", {"32.08", "32"}),
        ("Percetakan di Solo Raya diawasi Bawaslu.", {"33"}),
    ],
)
def test_datelines_honorifics_and_localities(text: str, expected: set[str]) -> None:
    assert codes(text) == expected
