"""The shapes other packages rely on: labels, a classification, a fact-check match.

`waspada classify`, the scoring job and the API all speak these types; keep them stable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

# The external contract: API, database, model cards and exports use exactly these strings.
LABELS: tuple[str, ...] = ("hoax", "black_campaign", "money_politics", "identity_politics")


@dataclass(frozen=True)
class FactCheckMatch:
    """The best debunk for a text, with a calibrated score in [0, 1]."""

    id: str
    title: str
    url: str | None
    score: float
    factcheck_pk: int | None = None
    publisher: str | None = None
    verdict: str | None = None
    claim: str | None = None
    # Why the matcher believes it: the features that raised the score most, readable.
    reasons: tuple[dict[str, Any], ...] = ()

    def as_json(self) -> dict[str, Any]:
        """Return the `factcheck` object of `waspada classify` output."""
        out: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "score": round(self.score, 4),
            "publisher": self.publisher,
            "verdict": self.verdict,
        }
        if self.claim:
            out["claim"] = self.claim[:500]
        if self.reasons:
            out["reasons"] = list(self.reasons)
        return out


@dataclass
class Classification:
    """One text's result: labels over threshold, every label's score, and why."""

    labels: list[str]
    scores: dict[str, float]
    explanation: dict[str, Any] = field(default_factory=dict)
    factcheck: FactCheckMatch | None = None
    model_version: str = ""


class Matcher(Protocol):
    """Finds the best known debunk for each text (None where nothing is close enough)."""

    def match(self, texts: Sequence[str]) -> list[FactCheckMatch | None]:
        """Return one match or None per text, in order."""
        ...


class Classifier(Protocol):
    """A loaded model version that scores texts for the four labels."""

    version: str

    def classify(
        self, texts: Sequence[str], matcher: Matcher | None = None
    ) -> list[Classification]:
        """Score texts; a matcher's hit above its threshold sets `hoax` with the debunk."""
        ...
