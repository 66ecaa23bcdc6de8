"""What is in the database: posts, labels, regions over time, and how reviewers agree."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sklearn.metrics import cohen_kappa_score
from sqlalchemy.orm import Session

from classifiers.contracts import LABELS
from monitor.research import repository as store

Row = dict[str, Any]
NO_LABEL = "(not flagged)"
UNTAGGED = "(untagged)"


def posts_table(session: Session, since: datetime | None = None) -> list[Row]:
    """One row per post: time, day, source, labels, score, review status, provinces."""
    rows = store.posts(session, since)
    provinces = store.provinces_of(session, [r[0] for r in rows])
    out = []
    for pid, at, source, platform, labels, flagged, score, model, status in rows:
        out.append(
            {
                "id": pid,
                "time": at,
                "day": at.date().isoformat(),
                "source": source or platform,
                "labels": list(labels or []),
                "flagged": bool(flagged),
                "max_score": score,
                "model_version": model,
                "review_status": status,
                "provinces": provinces.get(pid, []),
            }
        )
    return out


def label_counts(posts: Sequence[Row]) -> dict[str, int]:
    """Flagged posts per label (a post with two labels counts for both), plus unflagged."""
    counts: Counter[str] = Counter()
    for p in posts:
        counts.update(p["labels"] or [NO_LABEL])
    return {k: counts[k] for k in [*LABELS, NO_LABEL] if counts[k]}


def region_counts(posts: Sequence[Row], names: dict[str, str] | None = None) -> dict[str, int]:
    """Posts per province (by name where known), most first."""
    counts: Counter[str] = Counter()
    for p in posts:
        for code in p["provinces"] or [UNTAGGED]:
            counts[(names or {}).get(code, code)] += 1
    return dict(counts.most_common())


def volume_by(
    posts: Sequence[Row], key: str, flagged_only: bool = True
) -> dict[str, dict[str, int]]:
    """Posts per day and per `key` ("label" or "province"): {group: {day: count}}."""
    if key not in ("label", "province"):
        raise ValueError(f'key must be "label" or "province", not {key!r}')
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for p in posts:
        if flagged_only and not p["flagged"]:
            continue
        groups = p["labels"] if key == "label" else p["provinces"]
        for g in groups or [NO_LABEL if key == "label" else UNTAGGED]:
            out[g][p["day"]] += 1
    return {g: dict(sorted(days.items())) for g, days in sorted(out.items())}


def reviewer_agreement(session: Session) -> Row:
    """How often two reviewers of the same post agree (raw and Cohen's kappa), per decision."""
    first: dict[int, tuple[str, str]] = {}
    pairs: list[tuple[str, str]] = []
    label_pairs: list[tuple[frozenset[str], frozenset[str]]] = []
    first_labels: dict[int, frozenset[str]] = {}
    paired: set[int] = set()
    for _id, post_id, reviewer, decision, labels, _sup, _at, inherited in store.reviews(session):
        if inherited is not None:
            continue  # a cluster-wide decision is one reviewer's call copied, not a second view
        if post_id not in first:
            first[post_id] = (reviewer, decision)
            first_labels[post_id] = frozenset(labels or [])
        elif first[post_id][0] != reviewer and post_id not in paired:
            # The first decision against the first one by someone else: one pair per post.
            paired.add(post_id)
            pairs.append((first[post_id][1], decision))
            label_pairs.append((first_labels[post_id], frozenset(labels or [])))
    agree = sum(a == b for a, b in pairs)
    both_confirm = [
        (a, b) for (da, db), (a, b) in zip(pairs, label_pairs, strict=True) if da == db == "confirm"
    ]
    kappa = None
    if pairs and len({d for p in pairs for d in p}) > 1:
        kappa = round(float(cohen_kappa_score([a for a, _ in pairs], [b for _, b in pairs])), 4)
    return {
        "posts_reviewed": len(first),
        "posts_with_two_reviewers": len(pairs),
        "decision_agreement": round(agree / len(pairs), 4) if pairs else None,
        "cohen_kappa": kappa,
        "label_agreement_when_both_confirm": (
            round(sum(a == b for a, b in both_confirm) / len(both_confirm), 4)
            if both_confirm
            else None
        ),
        "disagreements": Counter(f"{a} vs {b}" for a, b in pairs if a != b).most_common(),
    }


def model_vs_reviewers(session: Session) -> list[Row]:
    """Per label: flagged posts reviewers confirmed vs dismissed (precision in production)."""
    current: dict[int, tuple[str, frozenset[str]]] = {}
    for _id, post_id, _rev, decision, labels, superseded, _at, _inh in store.reviews(session):
        if not superseded and decision in ("confirm", "dismiss"):
            current[post_id] = (decision, frozenset(labels or []))
    stats: dict[str, Counter[str]] = {label: Counter() for label in LABELS}
    for p in store.posts(session):
        pid, labels = p[0], list(p[4] or [])
        if pid not in current:
            continue
        decision, confirmed = current[pid]
        for label in labels:
            right = decision == "confirm" and label in confirmed
            stats[label]["confirmed" if right else "rejected"] += 1
    rows = []
    for label, c in stats.items():
        n = c["confirmed"] + c["rejected"]
        rows.append(
            {
                "label": label,
                "reviewed_flags": n,
                "confirmed": c["confirmed"],
                "rejected": c["rejected"],
                "precision": round(c["confirmed"] / n, 4) if n else None,
            }
        )
    return rows
