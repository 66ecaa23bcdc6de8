"""Synthetic Indonesian posts and an in-process HTTP server for `waspada bench ingest`."""

from __future__ import annotations

import json
import random
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

_SUBJECTS = [
    "warga",
    "relawan",
    "panitia",
    "pengawas",
    "caleg",
    "tim",
    "sukses",
    "kepala",
    "desa",
    "tokoh",
    "ormas",
]
_PLACES = [
    "Bekasi",
    "Bandung",
    "Surabaya",
    "Medan",
    "Makassar",
    "Sleman",
    "Denpasar",
    "Palembang",
    "Kupang",
    "Ambon",
]
_NEUTRAL = (
    "menghadiri sosialisasi tahapan pemilu di balai desa",
    "mengecek daftar pemilih tetap bersama petugas",
    "mengikuti debat kandidat yang disiarkan televisi",
    "membersihkan lokasi TPS setelah pemungutan suara",
    "mengajak pemilih pemula datang ke TPS",
)
# Everyday words the body of a post is drawn from. Why a vocabulary and not a few fixed
# sentences: real feeds are mostly distinct texts, and template-only posts would all look
# like near-copies of each other to the clustering hook (a worst case, not a benchmark).
_VOCABULARY = (
    "warga pemilih petugas kampanye calon partai saksi surat suara kotak logistik jadwal "
    "rapat desa kelurahan kecamatan kabupaten provinsi kota jalan pasar sekolah masjid gereja "
    "pura balai lapangan posko relawan spanduk baliho poster bendera kaos stiker selebaran "
    "pengumuman tahapan pendaftaran verifikasi rekapitulasi penghitungan pencoblosan debat "
    "visi misi program ekonomi pendidikan kesehatan pertanian nelayan buruh pedagang petani "
    "mahasiswa pemuda ibu bapak tokoh adat agama masyarakat pagi siang sore malam minggu "
    "depan lalu kemarin besok hari ini sudah belum masih akan sedang telah bisa harus perlu "
    "banyak sedikit semua beberapa sebagian besar kecil baru lama jauh dekat ramai sepi "
    "antusias tertib aman lancar terlambat cepat hujan panas banjir macet listrik internet "
    "sinyal antrean formulir undangan identitas kartu daftar nama nomor urut hasil data "
    "laporan aduan keberatan sengketa putusan sidang panitia pengawas pemantau media berita "
    "video foto unggahan komentar grup pesan akun halaman siaran radio televisi koran "
    "meminta menjelaskan mengatakan menyampaikan mengimbau mengingatkan mencatat memeriksa "
    "membahas menyiapkan mengirim menerima membawa menunggu datang pulang berkumpul hadir"
)
_WORDS = _VOCABULARY.split()


def _body(rng: random.Random) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(18, 32)))


# Short cues per label, enough for a fitted baseline to separate them.
CUES: dict[str, tuple[str, ...]] = {
    "hoax": ("beredar pesan berantai bahwa surat suara sudah dicoblos", "video lama diklaim"),
    "black_campaign": ("menyebut calon itu antek asing dan keturunan PKI", "fitnah keji"),
    "money_politics": ("membagikan amplop berisi uang agar memilih", "serangan fajar sembako"),
    "identity_politics": ("mengajak tidak memilih calon yang beda agama", "pribumi harus menang"),
}


def synthetic_posts(
    n: int, seed: int = 7, duplicate_share: float = 0.05, near_copy_share: float = 0.05
) -> list[dict[str, Any]]:
    """Return n posts (id, title, text, date, labels).

    A share repeats an earlier text exactly (stored once, linked) and another share repeats
    one with a small edit (a near-copy the clustering hook groups); the rest are distinct.
    """
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    posts: list[dict[str, Any]] = []
    for i in range(n):
        roll = rng.random()
        if posts and roll < duplicate_share + near_copy_share:
            copy = dict(rng.choice(posts))
            copy.update(id=i, date=start + timedelta(seconds=i))
            if roll >= duplicate_share:
                copy["text"] = f"{copy['text']} Sebarkan! ({rng.choice(_PLACES)})"
            posts.append(copy)
            continue
        labels = [label for label in CUES if rng.random() < 0.06]
        parts = [
            f"{rng.choice(_SUBJECTS).capitalize()} di {rng.choice(_PLACES)} {rng.choice(_NEUTRAL)}",
            _body(rng),
        ]
        parts += [rng.choice(CUES[label]) for label in labels]
        parts.append(f"pada hari ke-{i} masa kampanye, kata {rng.choice(_SUBJECTS)} setempat")
        text = ". ".join(parts) + "."
        posts.append(
            {
                "id": i,
                "title": f"Laporan {rng.choice(_PLACES)} nomor {i}",
                "text": text,
                "date": start + timedelta(seconds=i),
                "labels": labels,
            }
        )
    return posts


def wordpress_pages(posts: list[dict[str, Any]], per_page: int) -> list[bytes]:
    """Render posts as WordPress REST pages (JSON bytes), oldest modified first."""
    pages = []
    for start in range(0, len(posts), per_page):
        rows = [
            {
                "id": p["id"],
                "date_gmt": p["date"].strftime("%Y-%m-%dT%H:%M:%S"),
                "modified_gmt": p["date"].strftime("%Y-%m-%dT%H:%M:%S"),
                "link": f"https://berita.example/{p['id']}?utm_source=bench",
                "title": {"rendered": p["title"]},
                "excerpt": {"rendered": ""},
                "content": {"rendered": f"<p>{p['text']}</p>"},
            }
            for p in posts[start : start + per_page]
        ]
        pages.append(json.dumps(rows).encode())
    return pages


def rss_feed(posts: list[dict[str, Any]], title: str) -> bytes:
    """Render posts as one RSS 2.0 document."""
    items = "".join(
        f"<item><guid>bench-{p['id']}</guid><title>{escape(p['title'])}</title>"
        f"<link>https://berita.example/{p['id']}</link>"
        f"<pubDate>{format_datetime(p['date'])}</pubDate>"
        f"<description>{escape(p['text'])}</description></item>"
        for p in posts
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://berita.example/</link>{items}</channel></rss>"
    ).encode()


class FeedServer:
    """Serve prepared bodies on 127.0.0.1: /<source>/wp-json/wp/v2/posts?page=N or /<source>.xml.

    With `delay`, every answer waits that long first, as a remote site's does; with `sites`
    above 1, the same bodies are also served on 127.0.0.2, 127.0.0.3, ... (loopback
    addresses), so sources can sit on sites of their own as remote sources do, each with
    its own per-host limits.
    """

    def __init__(self, delay: float = 0.0, sites: int = 1) -> None:
        if not 1 <= sites <= 250:
            raise ValueError("sites must be between 1 and 250")
        self.pages: dict[str, list[bytes]] = {}
        self.feeds: dict[str, bytes] = {}
        self.delay = delay
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if outer.delay > 0:
                    time.sleep(outer.delay)
                url = urlsplit(self.path)
                name = url.path.strip("/").split("/", 1)[0]
                body: bytes | None = None
                ctype = "application/json"
                if url.path.endswith(".xml"):
                    body, ctype = outer.feeds.get(name.removesuffix(".xml")), "application/rss+xml"
                elif name in outer.pages:
                    page = int(parse_qs(url.query).get("page", ["1"])[0])
                    pages = outer.pages[name]
                    body = pages[page - 1] if 0 < page <= len(pages) else b"[]"
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.servers = [ThreadingHTTPServer((f"127.0.0.{1 + i}", 0), Handler) for i in range(sites)]
        self.httpd = self.servers[0]
        self.threads = [threading.Thread(target=h.serve_forever, daemon=True) for h in self.servers]

    @property
    def base_url(self) -> str:
        """Return http://127.0.0.1:<port>."""
        return self.site_url(0)

    def site_url(self, n: int) -> str:
        """Return the base URL of site n (wrapping around the sites served)."""
        host, port = self.servers[n % len(self.servers)].server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> FeedServer:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for h in self.servers:
            h.shutdown()
            h.server_close()
