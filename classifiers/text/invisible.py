"""Invisible and filler characters: stripped before language ID, clustering and scoring.

Padding a post with U+3164 HANGUL FILLER, zero-width spaces or variation selectors changes
nothing a reader sees, yet it splits words, hides n-grams and fooled the old language check
(issue 13). Every text path calls `clean_text` first so that none of them can be evaded this way.
"""

from __future__ import annotations

import re
import unicodedata

# Characters that draw as a blank of some width: read as a space (a word boundary).
_BLANKS = (
    0x115F,  # HANGUL CHOSEONG FILLER
    0x1160,  # HANGUL JUNGSEONG FILLER (NFKC turns U+3164 and U+FFA0 into this)
    0x1680,  # OGHAM SPACE MARK (NFKC keeps it)
    0x2800,  # BRAILLE PATTERN BLANK, a favourite "invisible" padding
    0x3164,  # HANGUL FILLER
    0xFFA0,  # HALFWIDTH HANGUL FILLER
)
# Zero-width format characters, joiners, bidi controls, selectors, tags: removed outright.
_ZERO_WIDTH_RANGES = (
    (0x00AD, 0x00AD),  # SOFT HYPHEN
    (0x034F, 0x034F),  # COMBINING GRAPHEME JOINER
    (0x061C, 0x061C),  # ARABIC LETTER MARK
    (0x17B4, 0x17B5),  # KHMER inherent vowels (invisible)
    (0x180B, 0x180F),  # MONGOLIAN free variation selectors and VOWEL SEPARATOR
    (0x200B, 0x200F),  # ZERO WIDTH SPACE, ZWNJ, ZWJ, LRM, RLM
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2060, 0x2064),  # WORD JOINER, invisible operators
    (0x2066, 0x206F),  # bidi isolates, deprecated format characters
    (0xFE00, 0xFE0F),  # VARIATION SELECTORS 1-16
    (0xFEFF, 0xFEFF),  # ZERO WIDTH NO-BREAK SPACE (BOM)
    (0x1BCA0, 0x1BCA3),  # SHORTHAND FORMAT controls
    (0x1D173, 0x1D17A),  # MUSICAL SYMBOL format controls
    (0xE0000, 0xE007F),  # TAG characters
    (0xE0100, 0xE01EF),  # VARIATION SELECTORS 17-256
)
_TABLE: dict[int, str | None] = dict.fromkeys(_BLANKS, " ")
for _lo, _hi in _ZERO_WIDTH_RANGES:
    _TABLE.update(dict.fromkeys(range(_lo, _hi + 1)))
_ANY = re.compile(
    "["
    + "".join(re.escape(chr(c)) for c in _BLANKS)
    + "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in _ZERO_WIDTH_RANGES)
    + "]"
)
# Runs of horizontal blanks (what fillers become) collapse to one space; newlines stay.
_SPACE_RUN = re.compile(r"[^\S\n]{2,}")


def strip_invisible(text: str) -> str:
    """Remove zero-width characters and turn blank fillers (U+3164, U+2800, ...) into spaces."""
    # The search is a C scan; the per-character translate only runs on texts that need it.
    if text.isascii() or not _ANY.search(text):
        return text
    return text.translate(_TABLE)


def clean_text(text: str) -> str:
    """Strip invisible characters, apply NFKC (fullwidth and math letters), squeeze blanks."""
    if text.isascii():
        return text
    # Twice: NFKC maps U+3164 to U+1160, and selectors between letters block composition.
    stripped = strip_invisible(text)
    if unicodedata.is_normalized("NFKC", stripped):
        return stripped if stripped is text else _SPACE_RUN.sub(" ", stripped)
    text = strip_invisible(unicodedata.normalize("NFKC", stripped))
    return _SPACE_RUN.sub(" ", text)
