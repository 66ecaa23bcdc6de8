"""Language identification: is a post Indonesian (or an Indonesian regional language) or not?

Two maintained detectors that ship their models (nothing is downloaded): CLD2 (`pycld2`,
compiled, about 40 us a post) decides first; where it does not see Indonesian, `py3langid`
(naive Bayes over byte n-grams, numpy) gets a second say, because CLD2 alone calls short
Indonesian headlines English or Norwegian. A post is abstained on only when both fail to see
Indonesian, Malay, Javanese, Sundanese or another in-scope language. Short texts and texts
neither detector can place are "und" and scored, unless the platform or the source declared
a language. Measured side by side with the other candidates in docs/language.md.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pycld2

from classifiers.text.invisible import clean_text
from classifiers.text.langid_model import LangidCacheError, cached_identifier

UNDETERMINED = "und"
# Scored languages: Indonesian, Malay (Indonesian chat is often detected as Malay) and
# Indonesia's regional languages the detectors know (ISO 639-1 where one exists, else -3).
IN_SCOPE: frozenset[str] = frozenset(
    {"id", "ms", "jv", "su", "min", "ban", "bjn", "ace", "bug", "mad", "sas", "bew", "mak", "nij"}
)
# Detector codes that mean an in-scope language under another name.
_ALIASES = {"jw": "jv", "in": "id", "ind": "id", "msa": "ms", "zsm": "ms", "jav": "jv", "sun": "su"}
_SCOPE_RAW = IN_SCOPE | {k for k, v in _ALIASES.items() if v in IN_SCOPE}
# Fewer letters than this: too little evidence, the text is scored ("und"). CJK, kana and
# Hangul carry about a word per character, so they count three times.
MIN_LETTERS = 30
# CLD2: a text is in scope when in-scope languages cover this share of its bytes (code-mixed
# chat, an Indonesian post quoting English). py3langid: when they hold this probability.
CLD2_SHARE = 20
LANGID_SHARE = 0.10
# py3langid must be at least this sure of a foreign language that CLD2 could not name.
LANGID_CONFIDENT = 0.5
# Detection reads the start of long articles only: the language does not change halfway.
MAX_CHARS = 1000
LANGID_CHARS = 600

# Links, handles and hashtags say nothing of the language; separate patterns are several
# times faster than one alternation (measured on 1,000-character articles).
_LINK = re.compile(r"(?:https?://|www\.)\S+")
_HANDLE = re.compile(r"[@#][\w.]+")
# The USER / URL placeholders of anonymised public datasets (Ibrohim & Budi).
_PLACEHOLDER = re.compile(r"\b(?:USER|URL)\b")
# Letters spaced out ("h o a k s", or a filler between every character): joined again.
_SPACED = re.compile(r"(?<!\S)(?:[^\W\d_] ){4,}[^\W\d_](?!\S)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class LanguageResult:
    """What a post is written in, whether it is scored, and how that was decided."""

    code: str  # ISO 639 code ("id", "ms", "es", ...) or "und"
    scored: bool  # in scope for the classifier
    confidence: float  # the deciding detector's share/probability; 0 when not detected
    method: str  # "detector", "short", "undecided", "declared"

    def as_json(self) -> dict[str, Any]:
        """Return the form shown in outputs and explanations."""
        return {"language": self.code, "confidence": round(self.confidence, 3), "by": self.method}


def is_scored(code: str | None) -> bool:
    """Tell whether posts marked `code` are scored (in-scope languages and "und")."""
    return code == UNDETERMINED or _canonical(code or "") in IN_SCOPE


def _canonical(code: str) -> str:
    code = code.strip().lower().replace("_", "-")
    base = code.split("-", 1)[0]
    return _ALIASES.get(base, base)[:10]


class _LangId:
    """py3langid's identifier, loaded on first use (about 90 MB; most posts never need it)."""

    def __init__(self) -> None:
        self._ident: Any = None
        self._lock = threading.Lock()
        self.cache_dir: Path | None = None

    def _load(self) -> Any:
        if self.cache_dir is not None:
            try:
                return cached_identifier(self.cache_dir)
            except (OSError, LangidCacheError):
                pass  # a read-only or full data directory: decompress as without a cache
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

    def loaded(self) -> Any:
        if self._ident is None:
            with self._lock:
                if self._ident is None:
                    self._ident = self._load()
        return self._ident

    def rank(self, text: str) -> list[tuple[str, float]]:
        return [(str(k), float(v)) for k, v in self.loaded().rank(text)]


_LANGID = _LangId()


def use_model_cache(cache_dir: Path | None) -> None:
    """Keep py3langid's model decompressed in `cache_dir` (see `langid_model`); None: never."""
    _LANGID.cache_dir = cache_dir


def model_cache_dir() -> Path | None:
    """Return where `use_model_cache` keeps the model (for a helper process to use too)."""
    return _LANGID.cache_dir


def load_identifier() -> None:
    """Load py3langid's model now (before forking workers that would each load it)."""
    _LANGID.loaded()


def _prepare(text: str) -> str:
    text = clean_text(text[:MAX_CHARS])
    if "http" in text or "www." in text:
        text = _LINK.sub(" ", text)
    if "@" in text or "#" in text:
        text = _HANDLE.sub(" ", text)
    if "USER" in text or "URL" in text:
        text = _PLACEHOLDER.sub(" ", text)
    if text.count(" ") * 3 > len(text):  # ordinary prose has a space every 6-7 characters
        text = _SPACED.sub(lambda m: m.group(0).replace(" ", ""), text)
    return text if text.isascii() and text.isprintable() else _CONTROL.sub(" ", text)


def _enough_letters(text: str) -> bool:
    # map(str.isalpha) runs in C; the head decides for almost every post.
    if sum(map(str.isalpha, text[: 4 * MIN_LETTERS])) >= MIN_LETTERS:
        return True
    if text.isascii():
        return sum(map(str.isalpha, text)) >= MIN_LETTERS
    n = 0
    for ch in text:
        if ch.isalpha():
            n += 3 if ord(ch) >= 0x2E80 else 1
            if n >= MIN_LETTERS:
                return True
    return False


def _cld2(text: str) -> tuple[bool, list[tuple[str, int]]]:
    try:
        reliable, _, details = pycld2.detect(text.encode("utf-8", "replace"))
    except pycld2.error:
        return False, []
    return bool(reliable), [(_canonical(d[1]), int(d[2])) for d in details if d[1] != "un"]


def _prefer_id(candidates: list[tuple[str, float]]) -> str:
    # Why: Indonesian headlines often score as Malay or Javanese by a hair; "id" is named when
    # it holds a quarter of the in-scope evidence, so the stored tag reads as users expect.
    total = sum(p for _, p in candidates)
    ind = sum(p for c, p in candidates if c == "id")
    return "id" if total and ind >= total / 4 else candidates[0][0]


def _identify(text: str) -> LanguageResult | None:
    """Return the detectors' verdict, or None when they cannot decide."""
    reliable, spans = _cld2(text)
    if spans:
        top, share = spans[0]
        in_scope = sum(p for code, p in spans if code in IN_SCOPE)
        if top in IN_SCOPE or in_scope >= CLD2_SHARE:
            best = _prefer_id([(c, float(p)) for c, p in spans if c in IN_SCOPE])
            return LanguageResult(best, True, max(share, in_scope) / 100, "detector")
    ranked = _LANGID.rank(text[:LANGID_CHARS])
    ours = [(_canonical(c), p) for c, p in ranked if c in _SCOPE_RAW]
    in_scope_p = sum(p for _, p in ours)
    if in_scope_p >= LANGID_SHARE:
        best = _prefer_id(ours)
        return LanguageResult(best, True, in_scope_p, "detector")
    # Both detectors agree it is not Indonesian: name the language CLD2 saw, else py3langid's.
    if reliable and spans:
        return LanguageResult(spans[0][0], False, spans[0][1] / 100, "detector")
    top_code, top_p = ranked[0]
    if top_p >= LANGID_CONFIDENT:
        return LanguageResult(_canonical(top_code), False, top_p, "detector")
    return None


def _declared(declared: str | None, method: str) -> LanguageResult:
    if declared and declared.strip() and _canonical(declared) != UNDETERMINED:
        code = _canonical(declared)
        return LanguageResult(code, code in IN_SCOPE, 0.0, "declared")
    return LanguageResult(UNDETERMINED, True, 0.0, method)


def detect_language(text: str, declared: str | None = None) -> LanguageResult:
    """Identify a post's language; `declared` (platform tag, source setting) breaks ties only."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    prepared = _prepare(text)
    if not _enough_letters(prepared):
        return _declared(declared, "short")
    found = _identify(prepared)
    return found if found is not None else _declared(declared, "undecided")


def detect_languages(
    texts: Iterable[str], declared: Sequence[str | None] | None = None
) -> list[LanguageResult]:
    """Identify many texts (one optional declared language per text)."""
    texts = list(texts)
    tags = list(declared) if declared is not None else [None] * len(texts)
    if len(tags) != len(texts):
        raise ValueError(f"{len(tags)} declared languages for {len(texts)} texts")
    return [detect_language(t, d) for t, d in zip(texts, tags, strict=True)]
