"""Ordinary news articles (CLICK-ID, IndoSum) and SEAHateCheck, parsed into examples.

News rows are negatives for every label (mainstream outlets reporting, not posting claims);
`NEWS_PREFIX` marks their source as `news:<corpus>:<outlet>` so whole outlets can be held out.
SEAHateCheck is evaluation only: it has no entry in the training parsers.
"""

from __future__ import annotations

import csv
import json
import logging
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from classifiers.contracts import LABELS
from classifiers.data.example import UNKNOWN, Example
from classifiers.text.fingerprints import strip_fingerprints

log = logging.getLogger("waspada.classifiers")

NEWS_PREFIX = "news:"
CLICKID_XLSX = ("kompas", "tempo", "okezone", "sindonews", "wowkeren", "fimela_combined")
CLICKID_CSV = ("tribunnews", "kapanlagi", "pos_metro")
MIN_ARTICLE_CHARS = 200  # shorter "articles" are scraping failures (`,,,,loading...`)
MIN_TITLE_CHARS = 20


def is_title(ex: Any) -> bool:
    """Tell whether a news row is a headline rather than an article."""
    return bool(ex.meta.get("kind") == "title")


# IndoSum is word-tokenised: `U - 22`, `Rp 5 , 2 triliun`, `( 27 / 3 )`, `masing - masing`.
_SPACE_BEFORE = re.compile(r"\s+([.,;:!?%)\]’”])")
_SPACE_AFTER = re.compile(r"([(\[‘“])\s+")
_NUM_JOIN = re.compile(r"(?<=\d) ([.,/]) (?=\d)")
_WORD_HYPHEN = re.compile(r"(?<=\w) - (?=\w)")
_SENTENCES_SKIPPED = re.compile(r"^(?:baca|simak)\s+(?:juga|pula|selengkapnya)\b", re.I)


def news_source(corpus: str, outlet: str) -> str:
    """Return the example source of a news outlet, e.g. `news:clickid:tempo`."""
    return f"{NEWS_PREFIX}{corpus}:{outlet.strip().lower()}"


def is_news(source: str) -> bool:
    """Tell whether an example source is an ordinary-news outlet."""
    return source.startswith(NEWS_PREFIX)


def detokenize(tokens: str) -> str:
    """Join a space-separated token stream back into readable text (`U - 22` -> `U-22`)."""
    text = _NUM_JOIN.sub(r"\1", tokens)
    text = _WORD_HYPHEN.sub("-", text)
    text = _SPACE_BEFORE.sub(r"\1", text)
    return _SPACE_AFTER.sub(r"\1", text)


def _news(text: str, corpus: str, outlet: str, ident: str) -> Any:
    return Example(text, dict.fromkeys(LABELS, 0), news_source(corpus, outlet), ident)


def _xlsx_rows(path: Path) -> Iterator[dict[str, Any]]:
    import openpyxl

    # Read-only streams rows; only the first sheet holds the articles (the others are the
    # clickbait-labelling subsets of the same rows).
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(rows, ())]
        for values in rows:
            yield dict(zip(header, values, strict=False))
    finally:
        wb.close()


def _csv_rows(path: Path) -> Iterator[dict[str, Any]]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        yield from csv.DictReader(fh)


def parse_clickid(folder: Path) -> Iterator[Any]:
    """CLICK-ID raw articles (9 outlets): cleaned `content`, empties and duplicates dropped."""
    seen: set[str] = set()
    files = [(n, folder / f"{n}.xlsx") for n in CLICKID_XLSX]
    files += [(n, folder / f"{n}.csv") for n in CLICKID_CSV]
    for outlet, path in files:
        reader = _xlsx_rows if path.suffix == ".xlsx" else _csv_rows
        skipped = 0
        try:
            for i, row in enumerate(reader(path)):
                text = strip_fingerprints(str(row.get("content") or ""))
                key = " ".join(text.lower().split())[:300]
                if len(text) < MIN_ARTICLE_CHARS or key in seen:
                    skipped += 1
                    continue
                seen.add(key)
                yield _news(text, "clickid", outlet, f"ck:{outlet}:{i}")
                title = strip_fingerprints(" ".join(str(row.get("title") or "").split()))
                if len(title) >= MIN_TITLE_CHARS:
                    # Headlines teach "short factual statement is not a claim" (debunk
                    # headlines look like news); they never enter the held-out article check.
                    ex = _news(title, "clickid", outlet, f"ck:{outlet}:{i}:title")
                    ex.meta["kind"] = "title"
                    yield ex
        except Exception as exc:  # one unreadable workbook must not lose the other outlets
            log.warning(
                "skipping unreadable CLICK-ID file", extra={"file": str(path), "error": str(exc)}
            )
        if skipped:
            log.info(
                "CLICK-ID rows skipped (empty/duplicate)", extra={"outlet": outlet, "n": skipped}
            )


def indosum_text(article: dict[str, Any]) -> str:
    """Join IndoSum's paragraphs -> sentences -> words into cleaned article text."""
    paragraphs = []
    for paragraph in article.get("paragraphs") or []:
        sentences = [
            " ".join(str(w) for w in sentence)
            for sentence in paragraph
            if isinstance(sentence, list)
        ]
        kept = [s for s in sentences if not _SENTENCES_SKIPPED.match(s)]
        if kept:
            # Fingerprints first, on the token stream: `Jakarta , CNN Indonesia - -` keeps its
            # spaced dashes, which `detokenize` would otherwise glue to the first word.
            paragraphs.append(" ".join(kept))
    return detokenize(strip_fingerprints("\n".join(paragraphs)))


def parse_indosum(folder: Path) -> Iterator[Any]:
    """IndoSum dev folds (they overlap): one row per article id, detokenised and cleaned."""
    seen: set[str] = set()
    for path in sorted(folder.glob("dev.0*.jsonl")):
        with path.open(encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                try:
                    article = json.loads(line)
                    ident = str(article["id"])
                    outlet = str(article.get("source") or "unknown")
                except (json.JSONDecodeError, KeyError, TypeError):
                    log.warning(
                        "skipping malformed IndoSum line", extra={"file": path.name, "line": n}
                    )
                    continue
                if ident in seen:
                    continue
                seen.add(ident)
                text = indosum_text(article)
                if len(text) >= MIN_ARTICLE_CHARS:
                    yield _news(text, "indosum", outlet, f"is:{ident}")


# SEAHateCheck targets that are religions, ethnic groups or races (SARA); gender and
# sexuality targets are hate speech but not identity_politics as labels.md defines it.
SARA_TARGETS = frozenset(
    {
        "Mongoloid", "Melanosoid", "Caucasoid", "Nusa Tenggara Timur", "Non-Abrahamic", "Ambon",
        "Papua", "Hindhu", "Minahasa/Manado", "Balinese", "Minangkabau", "Betawi", "Muslim",
        "Catholic", "Batak", "Christian", "Javanese", "Madura", "Sundanese", "Buddhis", "Aceh",
    }
)  # fmt: skip


def parse_seahatecheck(folder: Path) -> Iterator[Any]:
    """SEAHateCheck gold cases on SARA targets: hateful -> identity_politics 1 (evaluation only)."""
    for i, row in enumerate(_csv_rows(folder / "gold_label_all_id.csv")):
        target = (row.get("p_target") or "").strip()
        text = (row.get("c_testcase") or "").strip()
        if target not in SARA_TARGETS or not text:
            continue
        labels = dict.fromkeys(LABELS, UNKNOWN)
        labels["identity_politics"] = int(row.get("t_gold", "").strip() == "hateful")
        meta = {"function": (row.get("t_function") or "").strip(), "target": target}
        yield Example(text, labels, "seahatecheck", f"shc{i}", meta)
