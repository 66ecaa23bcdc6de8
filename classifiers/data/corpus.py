"""Labelled examples from the public datasets and the project's seeds, cleaned for training."""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from classifiers.contracts import LABELS
from classifiers.data.example import UNKNOWN, Example
from classifiers.data.news import is_news, parse_clickid, parse_indosum, parse_seahatecheck
from classifiers.data.registry import DATASETS
from classifiers.text.normal_form import normalize
from classifiers.text.rule_match import fired

SEEDS_DIR = Path(__file__).with_name("seeds")
EVAL_DIR = Path(__file__).with_name("eval")

# Verdict tags fact-checkers put in titles; a model must not learn them (README trap).
_VERDICT = re.compile(
    r"[\[\(]\s*(salah|hoaks|hoax|penipuan|disinformasi|misinformasi|keliru|fitnah|"
    r"konten yang menyesatkan|konten menyesatkan|satire|benar|fakta)\s*[\]\)]\s*:?",
    re.I,
)
_VERDICT_PREFIX = re.compile(r"^\s*(hoaks|hoax|salah|keliru|disinformasi)\s*[:\-|]\s*", re.I)
_MOJIBAKE = re.compile(r"[ÃÂâð][\x80-\xbf\u0152-\u2122]")


def strip_verdict(text: str) -> str:
    """Remove fact-checkers' verdict tags such as `[SALAH]` or `HOAKS:` from a title."""
    return _VERDICT_PREFIX.sub("", _VERDICT.sub(" ", text)).strip()


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 text that was decoded as cp1252 once (`ðŸ‘‡` -> the emoji)."""
    if not _MOJIBAKE.search(text):
        return text
    try:
        return text.encode("cp1252", errors="strict").decode("utf-8", errors="strict")
    except UnicodeError:
        return text


def _csv_rows(path: Path, encoding: str) -> Iterator[dict[str, str]]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open(encoding=encoding, errors="replace", newline="") as fh:
        yield from csv.DictReader(fh)


def _labels(**known: int) -> dict[str, int]:
    return {label: known.get(label, UNKNOWN) for label in LABELS}


def parse_ibrohim(folder: Path) -> Iterator[Example]:
    """Ibrohim & Budi tweets: HS_Religion or HS_Race -> identity_politics."""
    for i, row in enumerate(_csv_rows(folder / "re_dataset.csv", "cp1252")):
        # Half the rows end in a stray `'` from the original export.
        text = row["Tweet"].rstrip("'").strip()
        sara = int(row["HS_Religion"] == "1" or row["HS_Race"] == "1")
        yield Example(
            text, _labels(identity_politics=sara, hoax=0, money_politics=0), "ibrohim", f"ib{i}"
        )


def parse_bdc(folder: Path) -> Iterator[Example]:
    """BDC 2020 Mafindo claims: label 1 -> hoax; the narrative, not the verdict title."""
    for row in _csv_rows(folder / "data_latih_bdc.csv", "utf-8"):
        text = strip_verdict(row.get("narasi") or "")
        if text:
            yield Example(
                text, _labels(hoax=int(row["label"] == "1"), money_politics=0), "bdc", row["ID"]
            )


def parse_berita(folder: Path) -> Iterator[Example]:
    """Pilpres 2024 headlines: True -> hoax (TurnBackHoax), False -> ordinary news (Detik).

    The `Link` column is never read: its domain gives the label away.
    """
    for i, row in enumerate(_csv_rows(folder / "data_berita.csv", "utf-8")):
        text = strip_verdict(row["Judul Artikel"])
        if not text:
            continue
        if row["Berita_Hoax"].strip().lower() == "true":
            yield Example(text, _labels(hoax=1), "berita_hoax", f"bh{i}")
        else:
            news = dict.fromkeys(LABELS, 0)
            yield Example(text, news, "berita_news", f"bn{i}")


def parse_pilpres2019(folder: Path) -> Iterator[Example]:
    """Pilpres 2019 tweets: only the neutral ones, as ordinary election chatter."""
    for row in _csv_rows(folder / "tweet.csv", "utf-8"):
        if row.get("sentimen", "").strip() == "netral":
            text = fix_mojibake(row.get("tweet") or "").strip()
            if text:
                yield Example(text, dict.fromkeys(LABELS, 0), "pilpres2019_neutral", row[""])


PARSERS = {
    "ibrohim2019_hs_abusive": parse_ibrohim,
    "bdc2020_mafindo_hoax": parse_bdc,
    "hoax_pilpres2024_headlines": parse_berita,
    "pilpres2019_sentiment": parse_pilpres2019,
    "clickid2019_news": parse_clickid,
    "indosum2018_news": parse_indosum,
}
# Scored in model cards, never trained on (synthetic test suites).
EVAL_PARSERS = {"seahatecheck_id": parse_seahatecheck}


def load_dataset(name: str, data_dir: Path) -> list[Example]:
    """Parse one fetched dataset into examples (fresh copies; parsed once per file state)."""
    parser = PARSERS.get(name) or EVAL_PARSERS[name]
    folder = DATASETS[name].folder(data_dir)
    key = (name, _file_states(folder))
    parsed = _PARSED.pop(key, None)
    if parsed is None:
        parsed = tuple(parser(folder))
    _PARSED[key] = parsed  # most recent last
    while len(_PARSED) > _PARSED_KEEP:
        del _PARSED[next(iter(_PARSED))]
    # Copies, because training rewrites labels in place (`unassume_negatives`).
    return [Example(ex.text, dict(ex.labels), ex.source, ex.id, dict(ex.meta)) for ex in parsed]


# Why a memo: one training run, the rebuild of its test split and the promotion check each
# parse the same files, and the news workbooks alone cost about 8 CPU-s a parse. Keyed by
# every file's path, inode, size and mtime, so a changed or replaced file is parsed again.
# Bounded to one entry per dataset (all of them hold about 120 MB); only training, research
# and check commands load datasets, never the long-running servers.
_PARSED: dict[tuple[str, tuple[tuple[str, int, int, int], ...]], tuple[Example, ...]] = {}
_PARSED_KEEP = len(PARSERS) + len(EVAL_PARSERS)


def _file_states(folder: Path) -> tuple[tuple[str, int, int, int], ...]:
    states = []
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        try:
            st = path.stat()
        except OSError:  # a dangling link: the parser names the problem
            continue
        if path.is_file():
            states.append((str(path), st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(states)


class JsonlError(ValueError):
    """A labelled JSONL line is malformed; names the file and line."""


def read_labelled_jsonl(path: Path, source: str | None = None) -> list[Example]:
    """Read `{"id", "text", "labels": [...]}` lines; listed labels are 1, the others 0."""
    out = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip() or line.lstrip().startswith("//"):
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise JsonlError(f"{path}:{n}: not JSON ({exc.msg})") from None
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise JsonlError(f'{path}:{n}: expected an object with a string "text"')
            labels = obj.get("labels", [])
            if not isinstance(labels, list) or any(lab not in LABELS for lab in labels):
                raise JsonlError(f"{path}:{n}: labels must be a list drawn from {list(LABELS)}")
            meta = {k: str(v) for k, v in obj.items() if k not in ("id", "text", "labels")}
            out.append(
                Example(
                    obj["text"],
                    {label: int(label in labels) for label in LABELS},
                    source or path.stem,
                    str(obj.get("id", n)),
                    meta,
                )
            )
    return out


def load_seeds(folder: Path = SEEDS_DIR) -> list[Example]:
    """Load every seed file the project keeps under version control."""
    out: list[Example] = []
    for path in sorted(folder.glob("*.jsonl")):
        out.extend(read_labelled_jsonl(path, source="seeds"))
    return out


def available_datasets(data_dir: Path) -> list[str]:
    """Return the labelled datasets fetched into the data directory."""
    return [n for n in PARSERS if DATASETS[n].is_present(data_dir)]


# Labels each public source really assessed; its other 0s are the parser's assumption.
ASSESSED: dict[str, frozenset[str]] = {
    "ibrohim": frozenset({"identity_politics"}),
    "bdc": frozenset({"hoax"}),
    "berita_hoax": frozenset({"hoax"}),
    "berita_news": frozenset({"hoax"}),
    # Mainstream articles are not claims, and they report on religion and ethnicity without
    # inciting: news rows are assessed negatives for hoax and identity_politics.
    "news": frozenset({"hoax", "identity_politics"}),
}


def unassume_negatives(examples: Iterable[Example]) -> int:
    """Make an assumed 0 unknown where that label's own rules fire; return how many changed.

    Why: the public sets never assessed vote-buying or slander, yet some rows allege them
    ("Tim kampanye bagi-bagi uang"); keeping those as negatives teaches the model that real
    allegations are ordinary and pushes thresholds up.
    """
    changed = 0
    for ex in examples:
        assessed = ASSESSED.get("news" if is_news(ex.source) else ex.source)
        if assessed is None:
            continue
        candidates = [lab for lab, v in ex.labels.items() if v == 0 and lab not in assessed]
        if not candidates:
            continue
        hit = {r.label for r in fired(normalize(ex.text)) if not r.suppressor}
        for label in candidates:
            if label in hit:
                ex.labels[label] = UNKNOWN
                changed += 1
    return changed


def dedupe(examples: Iterable[Example]) -> list[Example]:
    """Drop exact duplicates after whitespace/case folding, keeping the first."""
    seen: set[str] = set()
    out = []
    for ex in examples:
        key = " ".join(ex.text.lower().split())
        if key in seen:
            continue
        seen.add(key)
        out.append(ex)
    return out
