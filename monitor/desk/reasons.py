"""Why an item was flagged, in words a reviewer reads: per-label summaries, rules, floors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from classifiers.text.rulebook import RULES
from monitor.core.i18n import keys as string_keys
from monitor.core.i18n import translate

# One key per label, written out so the translation test sees every key that is used.
SUMMARY_KEYS = {
    "hoax": "reason.summary.hoax",
    "money_politics": "reason.summary.money_politics",
    "black_campaign": "reason.summary.black_campaign",
    "identity_politics": "reason.summary.identity_politics",
}

RULE_FLOOR = 0.9  # classifiers.models.estimator: a strong rule's minimum score
_RULES = {r.name: r for r in RULES}
_KNOWN = frozenset(string_keys())


@dataclass(frozen=True)
class LabelReason:
    """One flagged label: its score, a one-line summary and, at a floor, which rule set it."""

    label: str
    score: float
    summary: str
    floor_note: str | None = None
    rules: list[str] = field(default_factory=list)


def rule_text(lang: str, rule_id: str) -> str:
    """Return a rule's description in the reader's language (never the bare id if known)."""
    rule_id = rule_id.removeprefix("rule:")
    key = f"rule.{rule_id}"
    if key in _KNOWN:
        return translate(lang, key)
    rule = _RULES.get(rule_id)
    return rule.description if rule is not None else translate(lang, "rule.unknown")


def _rule_ids(explanation: Mapping[str, Any] | None) -> list[str]:
    if not isinstance(explanation, Mapping):
        return []
    out: list[str] = []
    for entry in explanation.get("rules") or []:
        if isinstance(entry, Mapping):
            name = entry.get("rule") or entry.get("name")
            if isinstance(name, str) and name not in out:
                out.append(name[:80])
    return out


def _publisher(explanation: Mapping[str, Any] | None) -> str | None:
    match = explanation.get("factcheck") if isinstance(explanation, Mapping) else None
    if isinstance(match, Mapping):
        publisher = match.get("publisher")
        if isinstance(publisher, str) and publisher.strip():
            return publisher.strip()[:80]
        return "cek fakta"
    return None


def label_reasons(lang: str, predictions: Sequence[Mapping[str, Any]]) -> list[LabelReason]:
    """Return one reason per flagged prediction (`label`, `score`, `flagged`, `explanation`)."""
    out: list[LabelReason] = []
    for p in predictions:
        if not p.get("flagged"):
            continue
        label = str(p.get("label"))
        score = float(p.get("score") or 0.0)
        explanation = p.get("explanation")
        ids = _rule_ids(explanation)
        publisher = _publisher(explanation) if label == "hoax" else None
        if publisher is not None:
            summary = translate(lang, "reason.summary.hoax.debunk").format(publisher=publisher)
        else:
            summary = translate(lang, SUMMARY_KEYS.get(label, "label.unlabelled"))
        strong = [i for i in ids if i in _RULES and _RULES[i].strong and _RULES[i].label == label]
        floor_note = None
        if strong and abs(score - RULE_FLOOR) < 0.005:
            floor_note = translate(lang, "reason.floor").format(
                score=f"{score:.2f}", rule=rule_text(lang, strong[0])
            )
        out.append(
            LabelReason(
                label=label,
                score=score,
                summary=summary,
                floor_note=floor_note,
                rules=[rule_text(lang, i) for i in ids if i in _RULES or f"rule.{i}" in _KNOWN],
            )
        )
    return out
