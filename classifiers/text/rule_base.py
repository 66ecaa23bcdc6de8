"""The rule record and the small regex helpers the rule books share."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """One named pattern, the label it speaks for, and whether it sets a score floor."""

    name: str
    label: str
    pattern: str
    # What a reviewer reads instead of the rule id (Indonesian, one short phrase).
    description: str
    strong: bool = False
    suppressor: bool = False
    # Search the text with quoted passages (2+ words between quotation marks) blanked out:
    # a slur quoted to report or condemn it is a mention, not a use.
    outside_quotes: bool = False
    # A feature rule that its label's suppressor silences like a floor (a hostile word near
    # a group inside counter-speech must not push the model either).
    counterable: bool = False
    # Patterns that must all occur for `pattern` to match at all: cheap tests that skip the
    # expensive windowed search on most texts (speed only; never changes what fires).
    gates: tuple[str, ...] = ()


# Up to n words between a group and what is said of it, none of them a negator or a
# contrast ("orang X itu kebalikan dari orang goblok" says the opposite).
FILLER = r"( (?!(gak|ga|nggak|tidak|tak|bukan|kebalikan|jauh|beda|berbeda)\b)\S+)"


def near(a: str, b: str, gap: int) -> str:
    """`a` then `b` within `gap` characters, in either order, on word boundaries."""
    return rf"\b{a}\b.{{0,{gap}}}\b{b}\b|\b{b}\b.{{0,{gap}}}\b{a}\b"
