"""Mark the words and n-grams that made the classifier fire, as plain segments to escape.

The page never injects HTML built from post text: it receives (text, term) pieces and the
template escapes each one inside its own <mark> or plain span.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from classifiers.text.spans import is_noise, ngram_spans, rule_spans

# Explanation keys that hold the terms a model weighed (the classifier's explanation shape
# may list plain strings, [term, weight] pairs or {"term"/"ngram"/...: ..} objects).
_TERM_KEYS = ("top_terms", "terms", "ngrams", "features", "words", "tokens", "top_ngrams")
_RULE_KEYS = ("rules", "rules_fired", "lexicon", "matches")
_TEXT_FIELDS = ("term", "ngram", "feature", "text", "word", "token", "match", "matched")
# Why: bound the work on hostile explanations and 100 KB texts; beyond this the page
# shows the text unhighlighted rather than burning CPU.
MAX_TERMS = 60
MAX_TERM_CHARS = 80
MAX_TEXT_CHARS = 100_000


@dataclass(frozen=True)
class Segment:
    """A piece of post text; `term` is set when the piece is a highlighted hit."""

    text: str
    term: str | None = None


def _term_of(entry: Any) -> str | None:
    if isinstance(entry, str):
        return entry
    if isinstance(entry, list | tuple) and entry and isinstance(entry[0], str):
        return entry[0]
    if isinstance(entry, Mapping):
        for name in _TEXT_FIELDS:
            value = entry.get(name)
            if isinstance(value, str):
                return value
    return None


def _entries(value: Any) -> Iterable[Any]:
    if isinstance(value, list | tuple):
        return value
    if isinstance(value, Mapping):
        # {"hoax": [...], ...} or {"term": weight, ...}
        out: list[Any] = []
        for k, v in value.items():
            if isinstance(v, list | tuple):
                out.extend(v)
            elif isinstance(v, int | float) and isinstance(k, str):
                out.append(k)
        return out
    return ()


def _clean(term: str) -> str | None:
    # Char n-gram features are often padded with spaces; TF-IDF prefixes are dropped too.
    term = term.strip()
    if ":" in term and term.split(":", 1)[0] in {"w", "c", "word", "char"}:
        term = term.split(":", 1)[1].strip()
    if len(term) < 2 or len(term) > MAX_TERM_CHARS:
        return None
    return term


def terms_from_explanations(explanations: Iterable[Mapping[str, Any] | None]) -> list[str]:
    """Collect the distinct terms and rule matches named by explanations (no rules, no noise)."""
    seen: dict[str, str] = {}
    for exp in explanations:
        if not isinstance(exp, Mapping):
            continue
        for key in (*_TERM_KEYS, *_RULE_KEYS):
            for entry in _entries(exp.get(key)):
                raw = _term_of(entry)
                term = _clean(raw) if raw else None
                # `rule:<id>` columns are rules (shown by rule_ids), and a bare stopword or
                # character fragment (`di`, `lon`) drives nothing a reviewer can read.
                if term and (term.startswith("rule:") or is_noise(term)):
                    continue
                if term and term.casefold() not in seen:
                    seen[term.casefold()] = term
                if len(seen) >= MAX_TERMS:
                    return list(seen.values())
    return list(seen.values())


def rules_from_explanations(explanations: Iterable[Mapping[str, Any] | None]) -> list[str]:
    """Return the ids of the rules that fired (rule entries and `rule:<id>` n-gram columns)."""
    names: list[str] = []
    for exp in explanations:
        if not isinstance(exp, Mapping):
            continue
        for key in _RULE_KEYS:
            for entry in _entries(exp.get(key)):
                if not isinstance(entry, Mapping):
                    continue
                name = entry.get("name") or entry.get("rule")
                if isinstance(name, str) and name not in names:
                    names.append(name[:MAX_TERM_CHARS])
        for key in _TERM_KEYS:
            for entry in _entries(exp.get(key)):
                raw = _term_of(entry)
                if raw and raw.startswith("rule:") and raw[5:] not in names:
                    names.append(raw[5:][:MAX_TERM_CHARS])
    return names


def driving_segments(text: str, explanations: Sequence[Mapping[str, Any] | None]) -> list[Segment]:
    """Mark the phrases that drove the score: rule matches and the model's top n-grams."""
    if not text or len(text) > MAX_TEXT_CHARS:
        return [Segment(text)] if text else []
    spans = rule_spans(text, rules_from_explanations(explanations))
    spans += ngram_spans(text, terms_from_explanations(explanations))
    return _cut(text, spans)


def _cut(text: str, spans: list[tuple[int, int, str]]) -> list[Segment]:
    """Split text at merged spans; each marked piece carries its own text as the term."""
    merged: list[list[int]] = []
    for start, end, _ in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out: list[Segment] = []
    pos = 0
    for start, end in merged:
        if start > pos:
            out.append(Segment(text[pos:start]))
        out.append(Segment(text[start:end], term=text[start:end].casefold()))
        pos = end
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out


def _pattern(terms: list[str]) -> re.Pattern[str] | None:
    parts = []
    # Longest first so "serangan fajar" wins over "fajar".
    for term in sorted(terms, key=len, reverse=True):
        words = [re.escape(w) for w in term.split()]
        if not words:
            continue
        body = r"\s+".join(words)
        # Word boundaries only where the term starts/ends with a word character.
        left = r"(?<!\w)" if re.match(r"\w", term) else ""
        right = r"(?!\w)" if re.search(r"\w$", term) else ""
        parts.append(left + body + right)
    if not parts:
        return None
    return re.compile("|".join(parts), re.IGNORECASE)


def segments(text: str, terms: list[str]) -> list[Segment]:
    """Split text into plain and highlighted segments (case-insensitive, whole words)."""
    if not text:
        return []
    pattern = _pattern(terms[:MAX_TERMS]) if len(text) <= MAX_TEXT_CHARS else None
    if pattern is None:
        return [Segment(text)]
    out: list[Segment] = []
    pos = 0
    for m in pattern.finditer(text):
        if m.start() > pos:
            out.append(Segment(text[pos : m.start()]))
        out.append(Segment(m.group(0), term=m.group(0).casefold()))
        pos = m.end()
    if pos < len(text):
        out.append(Segment(text[pos:]))
    return out


def safe_url(url: str | None) -> str | None:
    """Return url if it is an absolute http(s) link, else None (no javascript:/data: links)."""
    if not url or not isinstance(url, str) or len(url) > 4000:
        return None
    candidate = url.strip()
    if re.match(r"^https?://[^\s/]+", candidate, re.IGNORECASE) and not re.search(
        r"[\x00-\x1f\s]", candidate
    ):
        return candidate
    return None
