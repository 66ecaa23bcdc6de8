"""`waspada bench match`: matching throughput against a large synthetic-but-realistic base."""

from __future__ import annotations

import csv
import random
import time
from pathlib import Path

import typer

from classifiers.factcheck.index import FactCheckEntry, FactCheckIndex
from classifiers.factcheck.matcher import FactCheckMatcher
from monitor.cli.common import fail

# Debunk title shapes as TurnBackHoax, Cek Fakta and Mafindo write them.
TEMPLATES = (
    "{who} {verb} {what} di {where}",
    "Video {who} {verb} {what} Jelang Pemilu {year}",
    "Foto {who} Bersama {who2} {verb} {what}",
    "Pesan Berantai {who} {verb} {what} di {where}",
    "Akun Palsu Mengatasnamakan {who} {verb} {what}",
    "{what}: {who} {verb} di {where} Tahun {year}",
)
WHO = (
    "Prabowo",
    "Ganjar",
    "Anies",
    "Gibran",
    "Mahfud MD",
    "Cak Imin",
    "Jokowi",
    "KPU",
    "Bawaslu",
    "Caleg PDIP",
    "Ketua KPPS",
    "Polri",
    "TNI",
    "Gubernur",
    "Bupati",
    "Kades",
)
VERB = (
    "Bagikan",
    "Umumkan",
    "Tolak",
    "Dukung",
    "Batalkan",
    "Curangi",
    "Hapus",
    "Tambah",
    "Janjikan",
    "Larang",
    "Coblos",
    "Sebarkan",
)
WHAT = (
    "Amplop Berisi Uang Rp50 Ribu",
    "Surat Suara Tercoblos",
    "Data Pemilih Ganda",
    "Kotak Suara Kardus",
    "Sembako Gratis",
    "Bantuan Sosial",
    "Hasil Quick Count",
    "Formulir C1 Palsu",
    "Kenaikan Gaji PNS",
    "Penundaan Pemilu",
    "TPS Ilegal",
    "Server KPU di Luar Negeri",
    "Tenaga Kerja Asing",
    "Pemilih Siluman",
)
WHERE = (
    "Jakarta",
    "Surabaya",
    "Medan",
    "Makassar",
    "Bandung",
    "Boyolali",
    "Sragen",
    "Madura",
    "Papua",
    "Aceh",
    "Bogor",
    "Depok",
    "Lampung",
    "Sulawesi Selatan",
    "Kalimantan Barat",
)


def _real_titles(root: Path) -> tuple[list[str], list[str]]:
    path = root / "hoax_pilpres2024_headlines" / "data_berita.csv"
    if not path.is_file():
        raise FileNotFoundError(f"dataset file not found: {path}")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    hoax = [r["Judul Artikel"] for r in rows if r["Berita_Hoax"] == "True"]
    news = [r["Judul Artikel"] for r in rows if r["Berita_Hoax"] == "False"]
    return list(dict.fromkeys(hoax)), news


def synthetic_titles(n: int, real: list[str], rng: random.Random) -> list[str]:
    """Return n debunk titles: real ones, template fills, and real ones with words swapped."""
    words = " ".join(real).split() or list(WHAT)
    out = list(real[:n])
    while len(out) < n:
        if rng.random() < 0.5 or not real:
            out.append(
                rng.choice(TEMPLATES).format(
                    who=rng.choice(WHO),
                    who2=rng.choice(WHO),
                    verb=rng.choice(VERB),
                    what=rng.choice(WHAT),
                    where=rng.choice(WHERE),
                    year=rng.choice((2019, 2024)),
                )
            )
        else:
            tokens = rng.choice(real).split()
            for _ in range(rng.randint(1, 3)):
                tokens[rng.randrange(len(tokens))] = rng.choice(words)
            out.append(" ".join(tokens))
    return out


def bench_match(
    factchecks: int = typer.Option(50_000, min=100, help="Size of the fact-check base"),
    posts: int = typer.Option(10_000, min=100, help="Posts to match"),
    from_dir: Path = typer.Option(Path("../shared/data"), "--from", help="Public datasets"),
    seed: int = typer.Option(7),
) -> None:
    """Print index build time, matching posts/s and the match rate on ordinary news."""
    try:
        real, news = _real_titles(from_dir)
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None
    rng = random.Random(seed)
    titles = synthetic_titles(factchecks, real, rng)
    index = FactCheckIndex()
    started = time.perf_counter()
    for start in range(0, len(titles), 5000):
        index.add(
            FactCheckEntry(f"fc-{i}", t) for i, t in enumerate(titles[start : start + 5000], start)
        )
    index.row_entry  # noqa: B018 - force the lazy stack so build time is counted here
    built = time.perf_counter() - started
    added = time.perf_counter()
    index.add([FactCheckEntry("fc-new", "Kabar Bohong KPU Hapus Suara Pemilih di Luar Negeri")])
    index.row_entry  # noqa: B018
    one_more = time.perf_counter() - added
    matcher = FactCheckMatcher(index)
    # Posts: ordinary headlines and edited debunk titles (claims with light edits), mixed.
    queries = [
        rng.choice(news) if rng.random() < 0.7 else rng.choice(real) + " sebarkan!"
        for _ in range(posts)
    ]
    matcher.match(queries[:100])
    started, cpu_started = time.perf_counter(), time.process_time()
    results = matcher.match(queries)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    news_set = set(news)
    news_hits = sum(1 for q, r in zip(queries, results, strict=True) if r and q in news_set)
    news_posts = sum(1 for q in queries if q in news_set)
    typer.echo(
        f"fact-checks indexed: {len(index)} in {built:.1f}s; adding one more: "
        f"{one_more * 1000:.0f} ms (incremental, no rebuild)"
    )
    typer.echo(
        f"matched {posts} posts in {elapsed:.2f}s: {posts / elapsed:,.0f} posts/s "
        f"({posts / cpu:,.0f} per CPU-second; one process, batch {matcher.batch_size})"
    )
    typer.echo(
        f"matches: {sum(r is not None for r in results)}; ordinary-news posts matched: "
        f"{news_hits} of {news_posts} ({news_hits / max(news_posts, 1):.2%}; the synthetic "
        "titles add look-alike debunks real bases do not have)"
    )
