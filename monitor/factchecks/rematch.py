"""Match newly stored debunks against recently scored posts, at once.

The caller (`monitor.flows.debunks`) recomputes the priority of the posts matched.

Without this, a post scored in the minutes before an import never meets its debunk: the
scoring job only matches posts when they are scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from classifiers.contracts import LABELS, FactCheckMatch
from classifiers.factcheck.index import FactCheckIndex
from classifiers.factcheck.matcher import FactCheckMatcher
from classifiers.factcheck.signals import debunk_signal
from monitor.core.base import utcnow
from monitor.core.settings import Settings
from monitor.factchecks import repository
from monitor.factchecks.service import entry_of, load_matcher

BATCH = 500
# First pass against the new debunks alone keeps posts scoring at least this share of the
# threshold; only those are re-ranked against the whole base (the real decision).
PREFILTER = 0.5


@dataclass
class RematchReport:
    """What a re-match did."""

    posts_checked: int = 0
    posts_matched: int = 0
    newly_flagged: int = 0
    # Posts a new debunk matched: `flows.debunks` recomputes their priority.
    touched: list[int] = field(default_factory=list)


def rematch(session: Session, settings: Settings, factcheck_ids: Sequence[int]) -> RematchReport:
    """Match the given (new or edited) debunks against posts scored in the recent window."""
    report = RematchReport()
    rows = [r for r in (repository.get(session, pk) for pk in set(factcheck_ids)) if r]
    matcher = load_matcher(session) if rows else None
    if matcher is None:
        return report
    wanted = {r.id for r in rows}
    small = FactCheckMatcher(FactCheckIndex(), matcher.scorer)
    small.index.add(entry_of(r) for r in rows)
    since = utcnow() - settings.factcheck_rematch_window
    last = 0
    while True:
        posts = repository.recent_scored_posts(session, since, last, BATCH)
        if not posts:
            break
        last = posts[-1].id
        report.posts_checked += len(posts)
        texts = [
            f"{p.title}\n{p.text}" if p.title and p.title not in p.text else p.text for p in posts
        ]
        first = small.rank(texts, k=1)
        keep = [i for i, r in enumerate(first) if r and r[0][1] >= PREFILTER * matcher.threshold]
        matches = matcher.match([texts[i] for i in keep])
        found = {
            posts[i].id: m
            for i, m in zip(keep, matches, strict=True)
            if m is not None and m.factcheck_pk in wanted
        }
        if found:
            report.posts_matched += len(found)
            report.touched.extend(found)
            report.newly_flagged += _attach(session, found)
    session.flush()
    return report


def _attach(session: Session, found: dict[int, FactCheckMatch]) -> int:
    # Same shape as the scoring job writes: the hoax prediction carries the debunk and the
    # signal; the post's denormalised queue columns follow.
    predictions = repository.hoax_predictions(session, list(found))
    posts = repository.posts_by_id(session, list(found))
    flagged = 0
    for post_id, match in found.items():
        post = posts[post_id]
        prediction = predictions.get(post_id)
        if prediction is not None:
            explanation: dict[str, Any] = dict(prediction.explanation or {})
            explanation["factcheck"] = match.as_json()
            explanation["signal"] = debunk_signal(match, explanation.get("signal"))
            prediction.explanation = explanation
            prediction.flagged = True
            prediction.score = max(prediction.score, match.score)
        if "hoax" not in (post.labels or []):
            flagged += 1
            post.labels = [label for label in LABELS if label in {*(post.labels or []), "hoax"}]
        post.flagged = True
        post.max_score = max(post.max_score or 0.0, match.score)
    return flagged
