"""Normalisation of Indonesian social-media text into one lower-case token stream.

Pure functions (no scikit-learn): `waspada classify` imports this without paying for sklearn.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from classifiers.text.curated import CURATED_SLANG, LEET, PROTECTED_WORDS
from classifiers.text.fingerprints import strip_fingerprints
from classifiers.text.invisible import clean_text

# Literal escape runs such as `\xf0\x9f\x98\x82` (Ibrohim & Budi store emoji this way).
_BYTE_ESCAPES = re.compile(r"(?:\\x[0-9a-fA-F]{2})+")
_LITERAL_NEWLINES = re.compile(r"\\[nrt]")
_URL = re.compile(r"(?:https?://|www\.)\S+|\b(?:bit\.ly|t\.co|s\.id|pic\.twitter\.com)/\S+", re.I)
_MENTION = re.compile(r"@\w+")
_HASHTAG = re.compile(r"#(\w+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])|(?<=[0-9])(?=[A-Za-z])")
# Money amounts become one token so "50rb", "Rp 100.000" and "2 juta" share a feature.
_MONEY = re.compile(
    r"\brp\.?\s?\d[\d.,]*\s?(?:rb|ribu|k|jt|juta|m)?\b|\b\d[\d.,]*\s?(?:rb|rebu|ribu|jt|juta|k)\b",
    re.I,
)
_DIGIT = re.compile(r"\d")  # the same `\d` as `_MONEY`'s (Unicode digits included)
_REDUP_HYPHEN = re.compile(r"\b([a-z]+)-(?:\1|[a-z]+)\b")
_REDUP_TWO = re.compile(r"\b([a-z]{2,})2\b")
_ELONGATION = re.compile(r"([a-z])\1{2,}")
_PUNCT_RUN = re.compile(r"([!?.,])\1+")
_PUNCT_PAIRS = ("!!", "??", "..", ",,")  # what `_PUNCT_RUN` needs at least one of
_USER_WORD = re.compile(r"\bUSER\b")
_URL_WORD = re.compile(r"\bURL\b")
_TOKEN = re.compile(r"[a-z0-9@$]+|[!?\t]")
# A span in single quotes opened after a space and closed before a space or punctuation
# ('usir cina'); apostrophes inside words (Jum'at, Qur'an) are not quotes.
_SINGLE_QUOTED = re.compile(r"(?:(?<=\s)|^)'([^'\n]{1,300}?)'(?=[\s.,!?;:)]|$)")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "«": '"', "»": '"'})
_LEET_TABLE = str.maketrans(LEET)

URL_TOKEN = "urltoken"  # noqa: S105
MENTION_TOKEN = "mentiontoken"  # noqa: S105
HASHTAG_TOKEN = "hashtagtoken"  # noqa: S105
EMOJI_TOKEN = "emojitoken"  # noqa: S105
MONEY_TOKEN = "nominaluang"  # noqa: S105
# Double quotation marks survive as a tab token, so the rules can tell a slur used from a
# slur quoted to condemn it (`Ucapan kayak "orang X itu sampah" menyakitkan`). Why a tab:
# both n-gram vectorisers treat it as whitespace, so the model's n-grams are unchanged.
# A visible marker was measured to become a hoax n-gram: with "quotetoken" the hoax model
# flagged 54 % of 3,000 news articles, with a bare `"` 51 %, without a marker 42 %.
QUOTE_TOKEN = "\t"  # noqa: S105
_SPECIAL = frozenset({URL_TOKEN, MENTION_TOKEN, HASHTAG_TOKEN, EMOJI_TOKEN, MONEY_TOKEN})


def decode_escapes(text: str) -> str:
    """Turn literal `\\xf0\\x9f..` byte escapes and `\\n` into the characters they stand for."""

    def _bytes(match: re.Match[str]) -> str:
        raw = bytes(int(h, 16) for h in match.group(0).split("\\x")[1:])
        return raw.decode("utf-8", errors="ignore") or " "

    if "\\" not in text:
        return text
    return _LITERAL_NEWLINES.sub(" ", _BYTE_ESCAPES.sub(_bytes, text))


def _is_emoji(ch: str) -> bool:
    return unicodedata.category(ch) == "So" or 0x1F000 <= ord(ch) <= 0x1FAFF


def _replace_emoji(text: str) -> str:
    if text.isascii():
        return text
    # Why a table of the text's distinct non-ASCII characters (no ASCII character is an
    # emoji): each is classified once, and `translate` rewrites the text in C, instead of
    # a generator step and a category look-up per character (1.4 -> 0.6 us a tweet).
    table = {ord(ch): f" {EMOJI_TOKEN} " for ch in set(text) if ch > "\x7f" and _is_emoji(ch)}
    return text.translate(table) if table else text


def split_hashtag(tag: str, vocab: Mapping[str, Any] | None = None) -> list[str]:
    """Split a hashtag body on camel case and digits, or by dictionary words when lower-case."""
    parts = [p for p in _CAMEL.split(tag) if p]
    if len(parts) > 1 or vocab is None or not tag.isalpha() or len(tag) > 40:
        return [p.lower() for p in parts]
    return _segment(tag.lower(), vocab)


def _segment(word: str, vocab: Mapping[str, Any]) -> list[str]:
    # Dynamic programming over split points: fewest pieces, all pieces known words.
    n = len(word)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for end in range(1, n + 1):
        for start in range(max(0, end - 15), end):
            prev = best[start]
            piece = word[start:end]
            if prev is not None and (piece in vocab or piece in PROTECTED_WORDS):
                cand = [*prev, piece]
                current = best[end]
                if current is None or len(cand) < len(current):
                    best[end] = cand
    return best[n] or [word]


@functools.lru_cache(maxsize=8)
def parse_table(table: str) -> dict[str, str]:
    """Parse a `key<TAB>value` per line table (how fitted lexicons are stored compactly)."""
    out: dict[str, str] = {}
    for line in table.splitlines():
        key, _, value = line.partition("\t")
        if key:
            out[key] = value
    _remember_table(out)
    return out


# Slang tables nobody mutates (the curated one and those `parse_table` returns), each with the
# token -> fixed token answers already computed: a post's tokens are mostly seen before, and a
# dictionary lookup is several times cheaper than `_fix_token`'s checks and regex. The table
# itself is held, so its id cannot be reused by another object while the entry lives.
_FIXED: dict[int, tuple[Mapping[str, str], dict[str, str]]] = {}
FIXED_LIMIT = 200_000  # answers kept per table (cleared when full: bounded memory)


def _remember_table(slang: Mapping[str, str]) -> None:
    if len(_FIXED) >= 16:
        _FIXED.clear()
        _FIXED[id(CURATED_SLANG)] = (CURATED_SLANG, {})
    _FIXED[id(slang)] = (slang, {})


def _fix_tokens(tokens: list[str], slang: Mapping[str, str]) -> str:
    entry = _FIXED.get(id(slang))
    if entry is None or entry[0] is not slang:
        return " ".join(_fix_token(t, slang) for t in tokens)
    known = entry[1]
    if len(known) > FIXED_LIMIT:
        known.clear()
    out = []
    for tok in tokens:
        fixed = known.get(tok)
        if fixed is None:
            fixed = known[tok] = _fix_token(tok, slang)
        out.append(fixed)
    return " ".join(out)


def build_table(mapping: Mapping[str, str]) -> str:
    """Serialise a mapping as the tab-separated table `parse_table` reads."""
    return "\n".join(f"{k}\t{v}" for k, v in sorted(mapping.items()) if "\t" not in k + v)


def _fix_token(tok: str, slang: Mapping[str, str]) -> str:
    if tok in _SPECIAL or tok in PROTECTED_WORDS:
        return tok
    if not tok.isalpha() and not tok.isdigit() and any(c.isalpha() for c in tok):
        # Leetspeak (`h0ax`, `4mpl0p`): digits between letters that are not a number+unit.
        tok = tok.translate(_LEET_TABLE)
    if tok in PROTECTED_WORDS:
        return tok
    mapped = slang.get(tok)
    if mapped is None and _ELONGATION.search(tok):
        tok = _ELONGATION.sub(r"\1", tok)
        mapped = slang.get(tok)
    return mapped if mapped is not None else tok


@dataclass(frozen=True)
class _Staged:
    """A text's tokens before slang, and what they depended on (see `normalize`)."""

    tokens: list[str]
    length: int  # characters after fingerprints and escapes, before any cut
    max_chars: int | None
    vocab: Mapping[str, Any] | None
    hashtags: bool  # a hashtag was split (so the tokens depend on the vocabulary)

    def serves(self, vocab: Mapping[str, Any] | None, max_chars: int | None) -> bool:
        """Tell whether a call with these arguments would produce the same tokens."""
        same_cut = max_chars == self.max_chars or (
            (self.max_chars is None or self.length <= self.max_chars)
            and (max_chars is None or self.length <= max_chars)
        )
        return same_cut and (not self.hashtags or vocab is self.vocab)


# Why: `waspada classify` normalises each post for the model and again for the fact-check
# matcher, with other slang tables and hashtag vocabularies. Everything before the slang step
# is the same work whenever no hashtag or cut tells the two calls apart, so the tokens of the
# last texts are kept and only the slang step runs twice. Bounded: cleared when full.
_STAGED: dict[str, _Staged] = {}
STAGED_LIMIT = 4096


def normalize(
    text: str,
    slang: Mapping[str, str] | None = None,
    vocab: Mapping[str, Any] | None = None,
    max_chars: int | None = None,
) -> str:
    """Normalise one post: fingerprints, escapes, invisibles, NFKC, URL/mention/hashtag, slang."""
    slang = CURATED_SLANG if slang is None else slang
    staged = _STAGED.get(text)
    if staged is None or not staged.serves(vocab, max_chars):
        staged = _stage(text, vocab, max_chars)
        if len(_STAGED) >= STAGED_LIMIT:
            _STAGED.clear()
        _STAGED[text] = staged
    return _fix_tokens(staged.tokens, slang)


# What every `_URL` alternative starts with, lower-cased (see `_may_link`).
_LINK_STARTS = ("http://", "https://", "www.", "bit.ly/", "t.co/", "s.id/", "pic.twitter.com/")


def _may_link(text: str) -> bool:
    """Tell whether `_URL` can match, by substring tests instead of its case-blind scan."""
    if "/" not in text and "." not in text:  # every alternative holds one of them
        return False
    # Exact for ASCII text (`re.I` folds case as `str.lower`); elsewhere `re.I` also folds
    # `ı` and `ſ` onto `i` and `s`, so other text is always searched.
    if not text.isascii():
        return True
    low = text.lower()
    return any(start in low for start in _LINK_STARTS)


def _stage(raw: str, vocab: Mapping[str, Any] | None, max_chars: int | None) -> _Staged:
    # Mastheads and scraping debris go first, in training and at classification alike.
    text = decode_escapes(strip_fingerprints(raw))
    length = len(text)
    if max_chars is not None and len(text) > max_chars:
        cut = text.rfind(" ", 0, max_chars)
        text = text[: cut if cut > max_chars // 2 else max_chars]
    text = clean_text(text).translate(_QUOTES)
    if "'" in text:
        text = _SINGLE_QUOTED.sub(r'"\1"', text)
    if _may_link(text):
        text = _URL.sub(f" {URL_TOKEN} ", text)
    # Ibrohim & Budi anonymised users and links as upper-case USER / URL. (The `in` tests
    # here and below skip a pattern whose mandatory characters are absent: same text.)
    if "USER" in text:
        text = _USER_WORD.sub(f" {MENTION_TOKEN} ", text)
    if "URL" in text:
        text = _URL_WORD.sub(f" {URL_TOKEN} ", text)
    if "@" in text:
        text = _MENTION.sub(f" {MENTION_TOKEN} ", text)
    hashtags = 0
    if "#" in text:
        text, hashtags = _HASHTAG.subn(
            lambda m: f" {HASHTAG_TOKEN} {' '.join(split_hashtag(m.group(1), vocab))} ", text
        )
    text = _replace_emoji(text).lower().replace('"', f" {QUOTE_TOKEN} ")
    if _DIGIT.search(text):  # both `_MONEY` alternatives hold a `\d`
        text = _MONEY.sub(f" {MONEY_TOKEN} ", text)
    if "-" in text:
        text = _REDUP_HYPHEN.sub(r"\1 \1", text)
    if "2" in text:
        text = _REDUP_TWO.sub(r"\1 \1", text)
    if any(pair in text for pair in _PUNCT_PAIRS):
        text = _PUNCT_RUN.sub(r"\1", text)
    return _Staged(_TOKEN.findall(text), length, max_chars, vocab, hashtags > 0)


def as_text_list(X: Any) -> list[str]:
    """Accept a sequence of strings (or a 2-D array whose rows are joined) as documents."""
    if isinstance(X, str):
        raise ValueError("expected a sequence of texts, got a single string")
    if sp.issparse(X):
        raise TypeError("sparse input is not text; pass a sequence of strings")
    if not isinstance(X, np.ndarray | list | tuple) and hasattr(X, "__array__"):
        X = np.asarray(X)  # array-likes such as pandas columns
    arr = X if isinstance(X, np.ndarray) else None
    if arr is not None and np.iscomplexobj(arr):
        raise ValueError("Complex data not supported: expected texts")
    if arr is not None and arr.ndim == 2:
        if arr.shape[0] == 0:
            raise ValueError(f"0 sample(s) (shape={arr.shape}) while a minimum of 1 is required")
        if arr.shape[1] == 0:
            # Same wording as sklearn's own validation, so callers can match either.
            raise ValueError(
                f"0 feature(s) (shape={arr.shape}) while a minimum of 1 is required: no texts"
            )
        if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
            raise ValueError("input contains NaN or infinity; expected texts")
        return [" ".join(str(v) for v in row) for row in arr]
    if arr is not None and arr.ndim != 1:
        raise ValueError(f"expected 1-D texts, got an array of shape {arr.shape}")
    out = list(X)
    for item in out:
        if not isinstance(item, str):
            raise ValueError(f"expected texts (str), got {type(item).__name__}")
    return out


_remember_table(CURATED_SLANG)
