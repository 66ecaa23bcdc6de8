"""Full ordinary news articles (CLICK-ID 2019, IndoSum 2018): the false-match population.

Every article here is ordinary news, so any debunk it matches is a false match. Whole
outlets are held out: the re-ranker is fitted and its threshold set on the FIT outlets,
and false matches are reported on the others, which nothing was tuned on.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CLICKID = Path("clickid2019_news")
INDOSUM = Path("indosum2018_news")
# Outlets never used for fitting or for the threshold: only for the reported figures.
HELD_OUT_OUTLETS = frozenset(
    {"tempo", "sindonews", "pos_metro", "cnn indonesia", "merdeka", "suara", "poskotanews"}
)
# Categories that are politics and government news, where debunks' names recur most.
_POLITICS = re.compile(r"nasional|news|politik|pemilu|berita utama|hukum|tajuk", re.IGNORECASE)
_MOJIBAKE = ("¬†", "\u00a0", "Â")
_DEBRIS = re.compile(r"^[\s,()\-–]+")
_SPACE_BEFORE = re.compile(r" ([,.;:!?%)\]])")
_SPACE_AFTER = re.compile(r"([(\[]) ")


@dataclass(frozen=True)
class Article:
    """One news article as a post would carry it: title, then text."""

    outlet: str
    category: str
    text: str

    @property
    def held_out(self) -> bool:
        """Return whether the article's outlet is kept out of fitting and tuning."""
        return self.outlet in HELD_OUT_OUTLETS

    @property
    def politics(self) -> bool:
        """Return whether the article is filed under politics or national news."""
        return bool(_POLITICS.search(self.category))


def _clean(text: str) -> str:
    for bad in _MOJIBAKE:
        text = text.replace(bad, " ")
    return _DEBRIS.sub("", text).strip()


def detokenize(tokens: list[str]) -> str:
    """Join IndoSum's word tokens back into prose (`Rp 5 , 2` -> `Rp 5, 2`)."""
    text = " ".join(tokens)
    return _SPACE_AFTER.sub(r"\1", _SPACE_BEFORE.sub(r"\1", text))


def _clickid_rows(path: Path) -> Iterator[dict[str, str]]:
    if path.suffix == ".csv":
        with path.open(encoding="utf-8", errors="replace", newline="") as fh:
            yield from csv.DictReader(fh)
        return
    import openpyxl  # only the six Excel workbooks need it

    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [str(h) for h in next(rows)]
        for values in rows:
            yield {h: "" if v is None else str(v) for h, v in zip(header, values, strict=False)}
    finally:
        workbook.close()


def _clickid(root: Path) -> Iterator[Article]:
    folder = root / CLICKID
    for path in sorted(folder.glob("*.*")):
        if path.suffix not in {".csv", ".xlsx"} or path.stem == "main_dataset":
            continue  # main_dataset holds headlines only, no article bodies
        outlet = path.stem.replace("_combined", "")
        for row in _clickid_rows(path):
            title, body = _clean(row.get("title", "")), _clean(row.get("content", ""))
            if len(body) >= 200:  # a few hundred rows are empty or debris
                yield Article(outlet, row.get("category", ""), f"{title}\n{body}")


def _indosum(root: Path) -> Iterator[Article]:
    seen: set[str] = set()
    for path in sorted((root / INDOSUM).glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                if row["id"] in seen:  # the folds overlap
                    continue
                seen.add(row["id"])
                sentences = [detokenize(s) for p in row["paragraphs"] for s in p]
                yield Article(row["source"], row.get("category", ""), "\n".join(sentences))


def load_news(root: Path) -> list[Article]:
    """Return every usable article of both corpora, de-duplicated on text."""
    if not (root / CLICKID).is_dir() or not (root / INDOSUM).is_dir():
        raise FileNotFoundError(f"news corpora not found under {root} ({CLICKID}, {INDOSUM})")
    seen: set[str] = set()
    out: list[Article] = []
    for article in [*_clickid(root), *_indosum(root)]:
        digest = hashlib.sha256(article.text.encode("utf-8")).hexdigest()
        if digest not in seen:
            seen.add(digest)
            out.append(article)
    return out


def sample(articles: list[Article], n: int) -> list[Article]:
    """Return up to n articles chosen by a stable hash of their text (same on every run)."""

    def rank(a: Article) -> bytes:
        return hashlib.sha256(a.text.encode("utf-8")).digest()

    return sorted(articles, key=rank)[:n]
