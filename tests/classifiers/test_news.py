"""News corpora as negatives: outlet fingerprints stripped, tokenised text joined, hostile files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifiers.data.corpus import EVAL_PARSERS, PARSERS, load_dataset
from classifiers.data.fetch import fetch_many
from classifiers.data.news import detokenize, indosum_text, parse_clickid, parse_indosum
from classifiers.text.fingerprints import fix_mac_roman, strip_fingerprints
from classifiers.text.normalize import normalize

# Openings and endings in the style each outlet publishes (mastheads, datelines, credits).
ARTICLES = [
    (
        "Jakarta, CNN Indonesia -- Komisi Pemilihan Umum (KPU) menetapkan daftar pemilih "
        "tetap pada Selasa (12/9).",
        "Komisi Pemilihan Umum",
        "cnn",
    ),
    (
        "Jakarta , CNN Indonesia - - Bawaslu menemukan 12 pelanggaran kampanye . ( rah / rah )",
        "Bawaslu menemukan",
        "rah",
    ),
    ("KOMPAS.com - Polisi menangkap dua tersangka penipuan arisan online.", "Polisi", "kompas"),
    (
        "TEMPO.CO, Jakarta - Ketua KPK menyatakan penyidikan kasus suap berlanjut.",
        "Ketua KPK",
        "tempo",
    ),
    ("Liputan6.com, Jakarta Sejumlah warga memadati TPS sejak pagi.", "Sejumlah warga", "liputan6"),
    ("Jakarta (ANTARA) - Bawaslu RI meminta pengawas siaga. (ant)", "Bawaslu RI", "ant"),
    ("JAKARTA ( Pos Kota ) – Hakim tunggal menggugurkan praperadilan.", "Hakim tunggal", "pos"),
    ("JAKARTA , JUARA.net - Panitia menghitung kebutuhan relawan.", "Panitia", "juara"),
    ("REPUBLIKA.CO.ID, JAKARTA -- KPU membuka pendaftaran calon.", "KPU membuka", "republika"),
    ("Bisnis.com, JAKARTA - Harga cabai naik di pasar induk.", "Harga cabai", "bisnis"),
    (
        ", , -¬†Aktivis antikorupsi berkumpul di Gedung KPK, Selasa malam.",
        "Aktivis antikorupsi",
        "¬",
    ),
    ("‚Äì Satreskrim Polresta Bogor menetapkan tersangka.", "Satreskrim", "‚"),
    (
        "Warga antre sejak subuh.,Baca juga: Kisah Relawan Demokrasi di Pelosok,Petugas "
        "membagikan nomor antrean.",
        "Petugas membagikan",
        "relawan demokrasi",
    ),
    ("Harga beras stabil.\nADVERTISEMENT\nPedagang mengaku lega.", "Pedagang mengaku", "advert"),
    ("Harga beras stabil di pasar.\nEditor: Budi Santoso", "Harga beras", "budi"),
    ("Gubernur meninjau banjir. (trb),,,loading...", "Gubernur meninjau", "trb"),
]


@pytest.mark.parametrize(("raw", "kept", "gone"), ARTICLES)
def test_outlet_fingerprints_are_stripped(raw: str, kept: str, gone: str) -> None:
    out = strip_fingerprints(raw)
    assert kept in out
    assert gone not in out.lower()
    # The classifier's own normaliser applies the same function at classification time.
    assert gone.split()[0] not in normalize(raw).split()


@pytest.mark.parametrize(
    "tweet",
    [
        "Detik-detik terakhir sebelum pencoblosan, jangan golput ya",
        "Antara kamu dan aku ada jarak, tapi pilihan kita sama",
        "Kompas.com bilang hoaks, padahal videonya asli!!",
        "Baca dulu sebelum share, ini hoaks soal surat suara",
        "Katanya (sic) semua TPS sudah buka",
    ],
)
def test_ordinary_posts_keep_their_words(tweet: str) -> None:
    out = strip_fingerprints(tweet)
    kept = [w for w in tweet.split() if "." not in w and "(" not in w]
    assert sum(w in out for w in kept) >= len(kept) - 1


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        " ",
        ",,,,,,,,,,,,,,,loading...",
        "-" * 10_000,
        "¬" * 500,
        "Baca juga:" * 2000,
        "\x00\ud7ff",
    ],
)
def test_hostile_text_never_raises(hostile: str) -> None:
    assert isinstance(strip_fingerprints(hostile), str)
    assert isinstance(normalize(hostile), str)


def test_mac_roman_mojibake_is_undone() -> None:
    assert fix_mac_roman("Kecamatan¬†Tanjungpinang") == "Kecamatan Tanjungpinang"
    assert fix_mac_roman("‚Äì Satreskrim") == "– Satreskrim"
    assert fix_mac_roman("Kota¬†¬†Bogor") == "Kota  Bogor"
    assert fix_mac_roman("Rp 5.000 ¬ tanpa mojibake") == "Rp 5.000 ¬ tanpa mojibake"


def test_indosum_tokens_are_joined_carefully() -> None:
    assert detokenize("Timnas U - 22 menang") == "Timnas U-22 menang"
    assert detokenize("senilai Rp 5 , 2 triliun .") == "senilai Rp 5,2 triliun."
    assert detokenize("pada Senin ( 27 / 3 ) ,") == "pada Senin (27/3),"
    article = {
        "paragraphs": [
            [
                [
                    "Jakarta",
                    ",",
                    "CNN",
                    "Indonesia",
                    "-",
                    "-",
                    "Timnas",
                    "U",
                    "-",
                    "22",
                    "menang",
                    ".",
                ]
            ],
            [["Baca", "juga", ":", "Hasil", "lain"], ["Skor", "akhir", "3", "-", "0", "."]],
        ]
    }
    text = indosum_text(article)
    assert text.startswith("Timnas U-22 menang.")
    assert "Baca" not in text and "CNN" not in text and "Skor akhir 3-0." in text


def test_hostile_news_files_lose_only_the_bad_rows(tmp_path: Path) -> None:
    click = tmp_path / "clickid2019_news"
    click.mkdir()
    (click / "kompas.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    body = "Warga memadati lapangan untuk menyaksikan debat calon bupati. " * 5
    rows = [
        "title,source,date,time,category,sub-category,content,url",
        f'"A",tribunnews.com,1-Sep-19,10:00,News,News," - {body}",https://x',
        '"B",tribunnews.com,1-Sep-19,10:00,News,News,",,,,loading...",https://y',
        f'"C",tribunnews.com,1-Sep-19,10:00,News,News," - {body}",https://z',
    ]
    (click / "tribunnews.csv").write_text("\n".join(rows), encoding="utf-8")
    parsed = list(parse_clickid(click))
    assert [ex.source for ex in parsed] == ["news:clickid:tribunnews"]  # empty + duplicate gone
    assert parsed[0].text.startswith("Warga")

    indo = tmp_path / "indosum2018_news"
    indo.mkdir()
    good = {"id": "a1", "source": "merdeka", "paragraphs": [[body.split()]]}
    lines = [json.dumps(good), "{not json", json.dumps({"no": "id"}), json.dumps(good)]
    (indo / "dev.01.jsonl").write_text("\n".join(lines), encoding="utf-8")
    (indo / "dev.02.jsonl").write_text(json.dumps(good), encoding="utf-8")  # folds overlap
    parsed = list(parse_indosum(indo))
    assert [ex.id for ex in parsed] == ["is:a1"] and parsed[0].source == "news:indosum:merdeka"


def test_public_news_and_seahatecheck(shared_data: Path, tmp_path: Path) -> None:
    names = ["clickid2019_news", "indosum2018_news", "seahatecheck_id"]
    results = fetch_many(names, tmp_path, source_dir=shared_data)
    assert [r.status for r in results] == ["fetched"] * 3, results
    assert "seahatecheck_id" not in PARSERS and "seahatecheck_id" in EVAL_PARSERS
    indosum = load_dataset("indosum2018_news", tmp_path)
    assert len(indosum) == len({ex.id for ex in indosum}) > 3000  # overlapping folds deduped
    assert len({ex.source for ex in indosum}) == 10
    assert not any(ex.text.lower().startswith(("jakarta, cnn", "merdeka.com")) for ex in indosum)
    shc = load_dataset("seahatecheck_id", tmp_path)
    assert {ex.labels["identity_politics"] for ex in shc} == {0, 1}
    assert "LGBTQ" not in {ex.meta["target"] for ex in shc}
    click = load_dataset("clickid2019_news", tmp_path)
    assert len({ex.source for ex in click}) == 9 and len(click) > 20_000
    assert not any("¬†" in ex.text or ex.text.startswith((",", "-")) for ex in click)
