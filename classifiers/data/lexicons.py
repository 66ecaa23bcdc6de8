"""Slang lexicons from the data directory merged with the project's curated list."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from classifiers.text.curated import CURATED_SLANG, PROTECTED_WORDS


def _read_pairs(path: Path, encoding: str, header: bool) -> Iterable[tuple[str, str]]:
    with path.open(encoding=encoding, errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        if header:
            next(reader, None)
        for row in reader:
            if len(row) >= 2:
                yield row[0].strip().lower(), row[1].strip().lower()


def load_slang_and_vocab(lexicons: Iterable[tuple[str, str]]) -> tuple[dict[str, str], set[str]]:
    """Merge (kind, path) lexicons into one slang map and a vocabulary of formal words.

    Kinds: `kamusalay` (no header, cp1252), `pairs` (header slang,formal), `words` (one per
    line). Entries that would rewrite a formal word or protected election vocabulary are
    dropped, and the curated list wins over every public one.
    """
    pairs: dict[str, str] = {}
    vocab: set[str] = set()
    for kind, raw_path in lexicons:
        path = Path(raw_path)
        if kind == "words":
            vocab.update(w.strip().lower() for w in path.read_text("utf-8").split() if w.strip())
        elif kind == "kamusalay":
            pairs.update(_read_pairs(path, "cp1252", header=False))
        elif kind == "pairs":
            pairs.update(_read_pairs(path, "utf-8", header=True))
        else:
            raise ValueError(f"unknown lexicon kind {kind!r} for {path}")
    slang: dict[str, str] = {}
    for key, value in pairs.items():
        if not key or not value or key == value or " " in key:
            continue
        if key in PROTECTED_WORDS or key in vocab or not key.isalnum():
            continue
        slang[key] = value
    slang.update(CURATED_SLANG)
    for value in slang.values():
        vocab.update(value.split())
    return slang, vocab
