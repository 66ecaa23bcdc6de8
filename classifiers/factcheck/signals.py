"""`hoax` from two signals: a confident debunk match, or the classifier over its threshold."""

from __future__ import annotations

from typing import Any

from classifiers.contracts import FactCheckMatch

DEBUNK = "debunk_match"
CLASSIFIER = "classifier"


def hoax_signal(
    classifier_score: float, classifier_threshold: float, match: FactCheckMatch | None
) -> dict[str, Any]:
    """Return which hoax signals fired, with the classifier's figures and the debunk shown."""
    fired = []
    if match is not None:
        fired.append(DEBUNK)
    if classifier_score >= classifier_threshold:
        fired.append(CLASSIFIER)
    return {
        "fired": fired,
        "classifier": {
            "score": round(float(classifier_score), 4),
            "threshold": round(float(classifier_threshold), 4),
        },
        "debunk": match.as_json() if match is not None else None,
    }


def debunk_signal(match: FactCheckMatch, previous: Any) -> dict[str, Any]:
    """Add a debunk found later (a new import) to a stored hoax signal."""
    signal = dict(previous) if isinstance(previous, dict) else {"fired": [], "classifier": None}
    fired = [f for f in signal.get("fired") or [] if f != DEBUNK]
    signal["fired"] = [DEBUNK, *fired]
    signal["debunk"] = match.as_json()
    return signal
