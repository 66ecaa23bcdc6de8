"""Error analysis: what reviewers rejected, where it came from, and what the model saw in it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from classifiers.models.loaded import LoadedClassifier
from monitor.research import repository as store
from monitor.research.explore import UNTAGGED

Row = dict[str, Any]


NOT_FLAGGED = "(not flagged)"


def false_positives(session: Session, names: dict[str, str] | None = None) -> list[Row]:
    """One row per flag a reviewer rejected, and one per dismissed post nothing flagged.

    A flag counts when any stored model version raised it, not only the current one: after a
    retrained model is promoted and rescores, the posts reviewers dismissed must not vanish
    from the analysis because today's model no longer flags them.
    """
    current: dict[int, tuple[str, set[str]]] = {}
    for _id, post_id, _rev, decision, labels, superseded, _at, _inh in store.reviews(session):
        if not superseded and decision in ("confirm", "dismiss"):
            current[post_id] = (decision, set(labels or []))
    preds: dict[tuple[int, str], Any] = {}
    ever_flagged: dict[int, set[str]] = {}
    for row in store.predictions(session):
        if row[3]:
            ever_flagged.setdefault(row[0], set()).add(row[1])
        if (row[0], row[1]) not in preds or row[3]:
            preds[(row[0], row[1])] = row
    posts = [p for p in store.posts(session) if p[0] in current]
    provinces = store.provinces_of(session, [p[0] for p in posts])
    texts = store.post_texts(session, [p[0] for p in posts])
    out = []
    for pid, at, source, platform, labels, _flagged, _score, model, _status in posts:
        decision, confirmed = current[pid]
        flagged = set(labels or []) | ever_flagged.get(pid, set())
        rejected = sorted(flagged - confirmed) if decision == "confirm" else sorted(flagged)
        if decision == "dismiss" and not rejected:
            rejected = [NOT_FLAGGED]  # dismissed from the uncertainty mix: still a decision
        codes = provinces.get(pid, []) or [UNTAGGED]
        for label in rejected:
            pred = preds.get((pid, label))
            out.append(
                {
                    "post_id": pid,
                    "label": label,
                    "decision": decision,
                    "source": source or platform,
                    "province": ", ".join((names or {}).get(c, c) for c in codes),
                    "day": at.date().isoformat(),
                    "score": pred[2] if pred is not None else None,
                    # What the review page showed: the stored explanation's terms and rules.
                    "shown_terms": _terms(pred),
                    "model_version": model,
                    "text": texts.get(pid, ""),
                }
            )
    return out


def _terms(pred: Any) -> str:
    if pred is None or not isinstance(pred[5], dict):
        return ""
    grams = [g[0] for g in pred[5].get("top_ngrams", []) if isinstance(g, list | tuple) and g]
    rules = [r.get("rule", "?") for r in pred[5].get("rules", []) if isinstance(r, dict)]
    return ", ".join([*grams, *(f"rule:{r}" for r in rules)])


def count_by(rows: Sequence[Row], *keys: str) -> list[Row]:
    """Count rows per combination of `keys`, most first."""
    counts = Counter(tuple(r[k] for k in keys) for r in rows)
    return [{**dict(zip(keys, combo, strict=True)), "n": n} for combo, n in counts.most_common()]


def explanation_summary(
    clf: LoadedClassifier, texts: Sequence[str], top: int = 10
) -> dict[str, Any]:
    """Which rules fired and which n-grams pushed the flags, over a set of texts."""
    rules: Counter[str] = Counter()
    ngrams: dict[str, dict[str, float]] = {}
    flagged: Counter[str] = Counter()
    for result in clf.classify(list(texts)):
        for rule in result.explanation.get("rules", []):
            rules[f"{rule['rule']} ({rule['label']})"] += 1
        for label, pairs in result.explanation.get("top_ngrams", {}).items():
            bucket = ngrams.setdefault(label, {})
            for ngram, weight in pairs:
                bucket[ngram] = bucket.get(ngram, 0.0) + float(weight)
        flagged.update(result.labels)
    return {
        "texts": len(texts),
        "flagged": dict(flagged),
        "rules": rules.most_common(top),
        "top_ngrams": {
            label: [(g, round(w, 3)) for g, w in sorted(c.items(), key=lambda kv: -kv[1])[:top]]
            for label, c in sorted(ngrams.items())
        },
    }
