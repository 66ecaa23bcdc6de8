"""Verdicts from the title conventions of each Indonesian fact-checker (no ClaimReview)."""

from __future__ import annotations

import pytest

from classifiers.factcheck.text import match_text
from classifiers.factcheck.verdicts import normalise_verdict, parse_title

TITLES = [
    # TurnBackHoax / Mafindo
    ("[SALAH] Video Prabowo Bagikan Amplop di Kampanye Akbar GBK", "salah"),
    ("[HOAKS] Pesan Berantai Pemilih Wajib Bawa KTP Asli dan Fotokopi", "hoaks"),
    ("[KLARIFIKASI] Foto Ketua KPPS Pingsan Bukan di Bogor", "klarifikasi"),
    ("[DISINFORMASI] Pemungutan Suara Diundur ke Bulan Juni", "disinformasi"),
    ("[PENIPUAN] Lowongan Kerja Petugas KPPS via WhatsApp", "penipuan"),
    ("[KONTEN YANG DIMANIPULASI] Foto Anies Bersama Tokoh Terlarang", "dimanipulasi"),
    # Tempo Cek Fakta
    ("Keliru: Tinta Pemilu 2024 Mengandung Minyak Babi", "keliru"),
    ("Menyesatkan: Video Kotak Suara Dibakar di Madura", "menyesatkan"),
    ("Benar: KPU Tetapkan 204 Juta Pemilih dalam DPT Pemilu 2024", "benar"),
    ("Sebagian Benar: Klaim Gibran soal Hilirisasi Nikel", "sebagian_benar"),
    ("Keliru, Surat Suara Sudah Dicoblos di Gudang KPU Bekasi", "keliru"),
    # Kompas Cek Fakta
    ("[HOAKS] Server KPU Dipindahkan ke Singapura", "hoaks"),
    ("[KLARIFIKASI] Video Kericuhan Bukan di TPS Jakarta", "klarifikasi"),
    # Liputan6 Cek Fakta: the verdict is in the words after the prefix
    ("Cek Fakta: Tidak Benar Video Mahfud MD Mundur dari Kabinet", "salah"),
    ("Cek Fakta: Hoaks Pesan Berantai Bantuan Sosial Rp 600 Ribu", "hoaks"),
    # AFP Cek Fakta, cekfakta.com, Kominfo
    ("Hoaks: Foto Massa Kampanye Ini Diambil pada 2019", "hoaks"),
    ("[MENYESATKAN] Video Lama Bentrokan Dikaitkan dengan Pemilu", "menyesatkan"),
    ("[HOAKS] Beredar Surat Edaran Kominfo soal Pemblokiran WhatsApp", "hoaks"),
]


@pytest.mark.parametrize(("title", "verdict"), TITLES)
def test_each_fact_checkers_title_convention_gives_its_verdict(title: str, verdict: str) -> None:
    found, rest = parse_title(title)
    assert found == verdict
    # The tag never reaches the matcher: posts do not carry it.
    assert not rest.lower().startswith(("[", "keliru", "benar", "cek fakta", "hoaks:"))
    assert match_text(title).split()[0] not in {"salah", "hoaks", "keliru", "cek"}


@pytest.mark.parametrize(
    "title",
    [
        "Prabowo Menang: Kata KPU Hasil Sementara",
        "Benarkah Jokowi Ikut Kampanye?",
        "Salahkan Hujan, Warga Tunda ke TPS",
        "",
        "[" * 500,
        "Cek Fakta: " * 50 + "isi",
    ],
)
def test_ordinary_and_hostile_titles_get_no_made_up_verdict(title: str) -> None:
    verdict, rest = parse_title(title)
    assert verdict is None
    assert isinstance(rest, str)


def test_claim_review_rating_names_are_normalised() -> None:
    assert normalise_verdict("Salah") == "salah"
    assert normalise_verdict("  Sebagian   Benar ") == "sebagian_benar"
    assert normalise_verdict("False") == "salah"
    assert normalise_verdict("Misleading") == "menyesatkan"
    assert normalise_verdict("Pants on Fire") is None
    assert normalise_verdict(None) is None
