"""Where in the original text a rule or an n-gram matched, for highlighting.

Rules and n-grams run over normalised text (lower case, slang fixed, money amounts as
`nominaluang`), so their offsets do not point into what the reviewer reads. This module
normalises token by token, remembering each token's original offsets, and maps matches back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from classifiers.text.curated import CURATED_SLANG
from classifiers.text.normal_form import MONEY_TOKEN, _fix_token
from classifiers.text.rulebook import RULES
from classifiers.text.stemming import stem_word

# Money amounts first (one token, as in `normalize`), then words.
_MONEY = re.compile(
    r"\brp\.?\s?\d[\d.,]*\s?(?:rb|ribu|k|jt|juta|m)?\b|\b\d[\d.,]*\s?(?:rb|rebu|ribu|jt|juta|k)\b",
    re.I,
)
_WORD = re.compile(r"[^\W_]+|[@$]", re.UNICODE)
# Function words that drive no label on their own: an n-gram made only of these is noise.
_STOPWORD_TEXT = """
ada adalah agar akan aku anda apa atau bagi bahwa banyak belum bisa buat dalam dan
dari dengan di dia gak harus hanya ia ini itu jadi juga kalau kami kamu kan karena
ke kita lagi lah mau mereka nya oleh pada para saja sama sampai saya se sebagai
sedang sudah tapi tak telah tentang tersebut tidak untuk yang ya pun kok deh dong
sih nih tuh the and of to
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
MAX_TEXT_CHARS = 100_000
_BY_NAME = {r.name: r for r in RULES}
_COMPILED: dict[str, re.Pattern[str]] = {}


@dataclass(frozen=True)
class Token:
    """One normalised token and where it came from in the original text."""

    norm: str
    stem: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    """Split text into normalised tokens with original offsets (money amounts are one)."""
    text = text[:MAX_TEXT_CHARS]
    out: list[Token] = []
    pos = 0
    for money in [*_MONEY.finditer(text), None]:
        stop = money.start() if money is not None else len(text)
        for m in _WORD.finditer(text, pos, stop):
            norm = _fix_token(m.group(0).lower(), CURATED_SLANG)
            for piece in norm.split() or [norm]:
                out.append(Token(piece, stem_word(piece), m.start(), m.end()))
        if money is not None:
            out.append(Token(MONEY_TOKEN, MONEY_TOKEN, money.start(), money.end()))
            pos = money.end()
    return out


def _normalised(toks: list[Token]) -> tuple[str, list[int]]:
    """Join token texts with spaces; return the text and each token's start in it."""
    starts: list[int] = []
    parts: list[str] = []
    at = 0
    for t in toks:
        starts.append(at)
        parts.append(t.norm)
        at += len(t.norm) + 1
    return " ".join(parts), starts


def rule_spans(text: str, names: Iterable[str]) -> list[tuple[int, int, str]]:
    """Return (start, end, rule name) in the original text for each named rule's matches.

    A long match (a money word ... a ballot word 60 characters later) is shown by its two
    anchor phrases, not the whole clause with every `di` and `dari` inside it.
    """
    toks = tokens(text)
    if not toks:
        return []
    joined, starts = _normalised(toks)
    spans: list[tuple[int, int, str]] = []
    for name in dict.fromkeys(names):
        rule = _BY_NAME.get(name)
        if rule is None:
            continue
        pattern = _COMPILED.setdefault(name, re.compile(rule.pattern))
        for m in pattern.finditer(joined):
            covered = [
                i
                for i, (t, s) in enumerate(zip(toks, starts, strict=True))
                if s < m.end() and s + len(t.norm) > m.start()
            ]
            for a, b in _anchors(text, toks, covered):
                spans.append((toks[a].start, toks[b].end, name))
    return spans


def _content(tok: Token) -> bool:
    return tok.norm not in STOPWORDS


def _anchors(text: str, toks: list[Token], covered: list[int]) -> list[tuple[int, int]]:
    """Return the token ranges to mark for a match: itself if short, else its two ends."""
    content = [i for i in covered if _content(toks[i])]
    if not content:
        return []
    first, last = content[0], content[-1]
    if last - first < MAX_PHRASE:
        return [(first, last)]
    return [_run(text, toks, first, +1), _run(text, toks, last, -1)]


MAX_PHRASE = 4


def _run(text: str, toks: list[Token], at: int, step: int) -> tuple[int, int]:
    """Extend from token `at` over neighbouring content words (no punctuation between)."""
    end = at
    while abs(end - at) + 1 < MAX_PHRASE - 1:
        nxt = end + step
        if not 0 <= nxt < len(toks) or not _content(toks[nxt]):
            break
        left, right = (toks[end], toks[nxt]) if step > 0 else (toks[nxt], toks[end])
        if text[left.end : right.start].strip():  # punctuation breaks a phrase
            break
        end = nxt
    return (at, end) if step > 0 else (end, at)


def is_noise(ngram: str) -> bool:
    """Tell whether an n-gram is only function words or fragments (never worth a highlight)."""
    words = ngram.split()
    return not words or all(w in STOPWORDS or len(w) < 3 for w in words)


def ngram_spans(text: str, ngrams: Iterable[str]) -> list[tuple[int, int, str]]:
    """Return (start, end, n-gram) where a word n-gram matches whole tokens (or their stems)."""
    toks = tokens(text)
    spans: list[tuple[int, int, str]] = []
    for ngram in dict.fromkeys(g.strip().lower() for g in ngrams):
        words = ngram.split()
        if is_noise(ngram) or len(words) > 6:
            continue
        n = len(words)
        for i in range(len(toks) - n + 1):
            window = toks[i : i + n]
            if all(w in (t.norm, t.stem) for w, t in zip(words, window, strict=True)):
                spans.append((window[0].start, window[-1].end, ngram))
    return spans
