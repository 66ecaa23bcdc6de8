"""`waspada bench language`: how often real Indonesian is abstained on, foreign text is scored.

Reads the public datasets (../shared/data layout, never copied into the repository) and the
foreign-sentence set shipped beside this file (UDHR articles, encyclopedia-style sentences and
everyday posts in 13 languages plus Malay). Prints one line per set with the share NOT
scored, the languages it was taken for, and posts per second.
"""

from __future__ import annotations

import csv
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import typer

from classifiers.text.language import LanguageResult, detect_language
from classifiers.text.normal_form import decode_escapes

FOREIGN_SENTENCES = Path(__file__).with_name("foreign_sentences.jsonl")
NEWS_CSV = ("tribunnews.csv", "kapanlagi.csv", "pos_metro.csv")


def _rows(path: Path, encoding: str) -> Iterator[dict[str, str]]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open(encoding=encoding, errors="replace", newline="") as fh:
        yield from csv.DictReader(fh)


def ibrohim(root: Path) -> Iterator[str]:
    """Ibrohim & Budi 2019 tweets (cp1252, literal byte escapes)."""
    for row in _rows(root / "ibrohim2019_hs_abusive" / "re_dataset.csv", "cp1252"):
        yield re.sub(r"^RT\b", "", decode_escapes(row["Tweet"].rstrip("'")))


def pilpres2019(root: Path) -> Iterator[str]:
    """Pilpres 2019 election tweets, every sentiment."""
    for row in _rows(root / "pilpres2019_sentiment" / "tweet.csv", "utf-8"):
        yield row.get("tweet") or ""


def bdc_narasi(root: Path) -> Iterator[str]:
    """BDC 2020 (Mafindo) circulating claim texts."""
    for row in _rows(root / "bdc2020_mafindo_hoax" / "data_latih_bdc.csv", "utf-8"):
        yield row.get("narasi") or ""


def bdc_judul(root: Path) -> Iterator[str]:
    """BDC 2020 claim titles (short, often headline-style)."""
    for row in _rows(root / "bdc2020_mafindo_hoax" / "data_latih_bdc.csv", "utf-8"):
        yield row.get("judul") or ""


def clickid(root: Path) -> Iterator[str]:
    """CLICK-ID 2019 news articles (the three CSV outlets): title and content."""
    for name in NEWS_CSV:
        for row in _rows(root / "clickid2019_news" / name, "utf-8"):
            yield f"{row.get('title') or ''}. {row.get('content') or ''}"


def indosum(root: Path) -> Iterator[str]:
    """IndoSum 2018 news articles (token lists joined), each article once."""
    seen: set[str] = set()
    for path in sorted((root / "indosum2018_news").glob("dev.*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                obj = json.loads(line)
                if obj["id"] in seen:
                    continue
                seen.add(obj["id"])
                yield " ".join(w for para in obj["paragraphs"] for sent in para for w in sent)


INDONESIAN: dict[str, Callable[[Path], Iterator[str]]] = {
    "ibrohim2019": ibrohim,
    "pilpres2019": pilpres2019,
    "bdc2020_narasi": bdc_narasi,
    "bdc2020_judul": bdc_judul,
    "clickid2019": clickid,
    "indosum2018": indosum,
}


def foreign_sentences(path: Path = FOREIGN_SENTENCES) -> list[dict[str, str]]:
    """Return the shipped foreign-sentence set: {"lang", "kind", "text"} per line."""
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _timed(texts: list[str]) -> tuple[list[LanguageResult], float]:
    start = time.perf_counter()
    results = [detect_language(t) for t in texts]
    return results, time.perf_counter() - start


def bench_language(
    data: Path = typer.Option(Path("../shared/data"), "--data", help="Public datasets folder"),
    limit: int = typer.Option(0, "--limit", help="At most this many texts per set (0: all)"),
    show: int = typer.Option(0, "--show", help="Print this many abstained texts per set"),
) -> None:
    """Print the share of real Indonesian not scored and of foreign sentences scored."""
    total_n, total_s = 0, 0.0
    for name, reader in INDONESIAN.items():
        try:
            texts = [t for t in reader(data) if t.strip()]
        except (OSError, KeyError, ValueError) as exc:
            typer.echo(f"{name:15} skipped: {exc}")
            continue
        texts = texts[:limit] if limit else texts
        results, secs = _timed(texts)
        total_n, total_s = total_n + len(texts), total_s + secs
        missed = [(t, r) for t, r in zip(texts, results, strict=True) if not r.scored]
        langs = Counter(r.code for _, r in missed).most_common(4)
        typer.echo(
            f"{name:15} n={len(texts):6}  not scored {len(missed) / len(texts):7.2%} "
            f"({len(missed)})  as {dict(langs)}  {len(texts) / secs:,.0f}/s"
        )
        for text, r in missed[:show]:
            typer.echo(f"    [{r.code}] {text[:140]!r}")
    if total_n:
        typer.echo(f"{'Indonesian':15} n={total_n:6}  {total_n / total_s:,.0f} texts/s overall")
    rows = foreign_sentences()
    results, _ = _timed([r["text"] for r in rows])
    per: dict[str, list[int]] = {}
    for row, res in zip(rows, results, strict=True):
        hit = per.setdefault(row["lang"], [0, 0])
        hit[0] += res.scored
        hit[1] += 1
    foreign = [(r, x) for r, x in zip(rows, results, strict=True) if r["lang"] != "ms"]
    scored = sum(x.scored for _, x in foreign)
    exact = sum(x.code == r["lang"] for r, x in foreign)
    typer.echo(
        f"{'foreign':15} n={len(foreign):6}  scored {scored / len(foreign):7.2%} ({scored})  "
        f"language named right {exact}/{len(foreign)}"
    )
    typer.echo("  scored per language: " + ", ".join(f"{k} {v[0]}/{v[1]}" for k, v in per.items()))
