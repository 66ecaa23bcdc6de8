"""Hand-written debunks, circulating claims with edits, and ordinary news (no dataset copies)."""

from __future__ import annotations

DEBUNKS: list[dict[str, str]] = [
    {
        "id": "tbh-1001",
        "title": "[SALAH] Ribuan Surat Suara Sudah Dicoblos untuk Paslon 02 Ditemukan di "
        "Gudang KPU Bekasi",
        "claim": "Ditemukan ribuan surat suara pilpres yang sudah tercoblos untuk paslon 02 "
        "di gudang KPU Kabupaten Bekasi sebelum hari pemungutan suara.",
        "url": "https://turnbackhoax.id/2024/02/10/salah-surat-suara-tercoblos-gudang-bekasi/",
        "verdict": "SALAH",
        "published_at": "2024-02-10T09:00:00+07:00",
        "publisher": "turnbackhoax",
    },
    {
        "id": "tbh-1002",
        "title": "[HOAKS] Pemilih yang Tidak Membawa KTP Elektronik Tidak Boleh Mencoblos di TPS",
        "url": "https://turnbackhoax.id/2024/02/12/hoaks-tanpa-ktp-elektronik-tidak-boleh-mencoblos/",
        "verdict": "HOAKS",
        "published_at": "2024-02-12",
        "publisher": "turnbackhoax",
    },
    {
        "id": "tbh-1003",
        "title": "[SALAH] Video Bawaslu Sita Amplop Berisi Uang dari Tim Sukses Caleg di Sragen",
        "url": "https://turnbackhoax.id/2024/01/28/salah-video-bawaslu-sita-amplop-sragen/",
        "verdict": "SALAH",
        "publisher": "turnbackhoax",
    },
    {
        "id": "tbh-1004",
        "title": "[HOAKS] Server Penghitungan Suara KPU Dipindahkan ke Singapura",
        "claim": "KPU diam-diam memindahkan server penghitungan suara pemilu 2024 ke Singapura "
        "agar hasilnya bisa diatur oleh pihak asing.",
        "url": "https://turnbackhoax.id/2024/02/15/hoaks-server-kpu-singapura/",
        "verdict": "HOAKS",
        "publisher": "turnbackhoax",
    },
    {
        "id": "cek-77",
        "title": "Keliru, Tinta Pemilu Mengandung Minyak Babi sehingga Wudhu Tidak Sah",
        "url": "https://cekfakta.example.id/77-tinta-pemilu-babi",
        "verdict": "KELIRU",
        "publisher": "cekfakta",
    },
    {
        "id": "cek-78",
        "title": "[DISINFORMASI] Pemungutan Suara Pemilu 2024 Diundur ke Bulan Juni karena "
        "Anggaran KPU Habis",
        "url": "https://cekfakta.example.id/78-pemilu-diundur-juni",
        "verdict": "DISINFORMASI",
        "publisher": "cekfakta",
    },
    # Distractors: debunks on other topics that share election vocabulary.
    {
        "id": "tbh-2001",
        "title": "[SALAH] Foto Ketua KPPS Pingsan karena Kelelahan Menghitung Suara di Bogor",
        "publisher": "turnbackhoax",
    },
    {
        "id": "tbh-2002",
        "title": "[HOAKS] Vaksin Covid-19 Mengandung Chip Pelacak dari Pemerintah",
        "publisher": "turnbackhoax",
    },
    {
        "id": "tbh-2003",
        "title": "[SALAH] Bansos Beras 10 Kg Hanya untuk Warga yang Memilih Paslon Tertentu",
        "publisher": "turnbackhoax",
    },
    {
        "id": "tbh-2004",
        "title": "[HOAKS] Pendaftaran CPNS 2024 Dibuka Lewat Tautan WhatsApp",
        "publisher": "turnbackhoax",
    },
]

# (circulating text with edits, key of the debunk it repeats): forward headers, typos,
# slang, casing, emoji, calls to share, words added or dropped.
CLAIMS: list[tuple[str, str]] = [
    (
        "BREAKING!!! Ribuan surat suara SUDAH DICOBLOS utk paslon 02 ditemukan di gudang "
        "KPU Bekasi 😱😱 tolong sebarkan sebelum dihapus!!",
        "turnbackhoax:tbh-1001",
    ),
    (
        "Diteruskan: info penting, pemilih yg tidak membawa KTP elektronik tidak boleh "
        "mencoblos di TPS tgl 14 nanti. Kabari keluarga kalian",
        "turnbackhoax:tbh-1002",
    ),
    (
        "Viral video bawaslu menyita amplop berisi uang dari tim sukses caleg di Sragen, "
        "ini buktinya https://t.co/abc123",
        "turnbackhoax:tbh-1003",
    ),
    (
        "waspada!! server penghitungan suara KPU sudah dipindahkan ke singapura, hasil "
        "pemilu bisa diatur asing #SaveDemokrasi",
        "turnbackhoax:tbh-1004",
    ),
    (
        "Hati2 saudaraku, tinta pemilu itu mengandung minyak babi jadi wudhu kita tidak sah. "
        "Share ke grup pengajian",
        "cekfakta:cek-77",
    ),
    (
        "Kabar terbaru pemungutan suara pemilu 2024 diundur ke bulan Juni karena anggaran "
        "KPU sudah habis. Benarkah??",
        "cekfakta:cek-78",
    ),
]

# Ordinary reporting on the same election: must not match any debunk.
NEWS: list[str] = [
    "KPU Kabupaten Bekasi menggelar rapat pleno rekapitulasi suara tingkat kabupaten hari ini",
    "Bawaslu mengingatkan peserta pemilu untuk mematuhi jadwal masa tenang kampanye",
    "Harga beras medium di Pasar Induk Cipinang naik menjelang bulan Ramadan",
    "Timnas Indonesia menang dua gol tanpa balas atas Vietnam di Stadion Gelora Bung Karno",
    "Pemerintah provinsi menyiapkan posko kesehatan bagi petugas KPPS yang kelelahan",
    "Calon anggota legislatif wajib melaporkan dana kampanye paling lambat akhir bulan",
    "Warga antre di TPS sejak pagi untuk menggunakan hak pilihnya di Jakarta Selatan",
    "Menteri keuangan menyebut anggaran pemilu telah dicairkan sesuai jadwal",
]
