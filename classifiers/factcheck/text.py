"""Text preparation for matching: the shared normaliser, minus verdict tags and placeholders."""

from __future__ import annotations

from classifiers.factcheck.verdicts import parse_title
from classifiers.text.normal_form import (
    EMOJI_TOKEN,
    HASHTAG_TOKEN,
    MENTION_TOKEN,
    URL_TOKEN,
    normalize,
)

_PLACEHOLDERS = frozenset({URL_TOKEN, MENTION_TOKEN, HASHTAG_TOKEN, EMOJI_TOKEN})
# Bounded work: a 100 KB paste is matched on its head; claims sit at the top of forwards.
MAX_CHARS = 4000


def strip_verdict(title: str) -> str:
    """Remove leading verdict tags such as `[SALAH]`, `Keliru:` or `Cek Fakta:`."""
    return parse_title(title)[1]


def prose_words(text: str) -> int:
    """Count the words of a raw text that are not hashtags, mentions or links."""
    return sum(
        1
        for w in text[:MAX_CHARS].split()
        if w[0] not in "#@" and not w.lower().startswith(("http://", "https://", "www."))
    )


def match_text(text: str) -> str:
    """Return the normalised form used for matching (lower-case words, no placeholders)."""
    tokens = normalize(strip_verdict(text[:MAX_CHARS])).split()
    return " ".join(t for t in tokens if t not in _PLACEHOLDERS and t not in {"!", "?"})
