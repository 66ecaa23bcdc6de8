"""The arrival flow: what happens to posts once stored, in order, in the caller's transaction.

store (posts.ingest) -> regions (sender-, source-declared and text matches, with their
origin) -> clusters (a cluster row only once a second copy arrives) -> scoring (when this
process has a model loaded) -> decision inheritance (late copies of a decided cluster) ->
priority (the one function in `flows.priority`). Collectors, `waspada ingest`,
POST /api/v1/ingest and the tipline all call `arrive`; the edge commits items and cursors
together. Every step works on the whole page at once (one round trip per step, not per post).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from classifiers.contracts import Classifier, Matcher
from monitor.clusters.placement import Placement, Signed, sign_texts
from monitor.clusters.readahead import Lookahead
from monitor.clusters.service import PageHeads, Placed, assign_clusters
from monitor.core.base import utcnow
from monitor.flows.priority import priorities_after_clustering
from monitor.flows.scoring import loaded_model
from monitor.posts.language import CLASSIFIABLE
from monitor.posts.models import Post
from monitor.posts.regiontags import ArrivalTags, tag_posts, text_matches
from monitor.posts.schemas import PostIn
from monitor.posts.service import IngestOutcome, ingest, prepare_rows
from monitor.predictions import service as predictions
from monitor.predictions.repository import Pending
from monitor.regions.matcher import RegionMatch
from monitor.reviews.service import inherit_cluster_decisions

log = logging.getLogger(__name__)

STEPS = ("store", "regions", "clusters", "scoring", "decisions", "priority")
INLINE_WORKER = "arrival"


@dataclass(frozen=True)
class Scorer:
    """A loaded model to score arrivals with, inline."""

    classifier: Classifier
    matcher: Matcher | None = None


# Seconds spent per step since the last `take_step_seconds` (the ingest bench prints them).
# "prepare" (`prepare`, ahead of the store, in another thread) is counted beside the steps.
_TIMED = (*STEPS, "prepare")
_seconds: dict[str, float] = dict.fromkeys(_TIMED, 0.0)
_seconds_lock = threading.Lock()


@contextmanager
def _timed(step: str) -> Iterator[None]:
    t0 = time.perf_counter()
    try:
        yield
    finally:
        with _seconds_lock:
            _seconds[step] += time.perf_counter() - t0


def take_step_seconds() -> dict[str, float]:
    """Return the seconds spent per step since the last call, and start again from zero."""
    with _seconds_lock:
        out = dict(_seconds)
        for step in _TIMED:
            _seconds[step] = 0.0
    return out


@dataclass(frozen=True)
class Prepared:
    """What arrival computes from a page's items alone, before any database work.

    Why apart: `waspada ingest` and the collectors compute page N+1's while a writer thread
    stores page N (the driver releases the GIL while the engine and the disk work), so the
    two overlap. `arrive` uses it only for the very items, source and language it was made for.
    """

    items: Sequence[PostIn]
    source_id: int | None
    default_language: str | None
    rows: Mapping[tuple[str, str], dict[str, Any]]
    signed: Mapping[tuple[str, str], Signed]
    matched: Mapping[tuple[str, str], list[RegionMatch]]


def prepare(
    items: Sequence[PostIn], *, source_id: int | None = None, default_language: str | None = None
) -> Prepared:
    """Compute a page's insert rows, signatures and text region matches (no database)."""
    with _timed("prepare"):
        latest = {item.key: item for item in items}  # as `ingest`: the later copy wins
        unique = list(latest.values())
        return Prepared(
            items=items,
            source_id=source_id,
            default_language=default_language,
            rows=prepare_rows(unique, source_id, default_language),
            signed=sign_texts([(i.key, i.text) for i in unique]),
            matched=text_matches({i.key: (i.title, i.text) for i in unique}),
        )


def arrive(
    session: Session,
    items: Sequence[PostIn],
    *,
    source_id: int | None = None,
    default_language: str | None = None,
    scorer: Scorer | None = None,
    now: datetime | None = None,
    prepared: Prepared | None = None,
    lookahead: Lookahead | None = None,
) -> IngestOutcome:
    """Store a page of items, then run every arrival step on the posts new to the database.

    `lookahead` (PostgreSQL pages in a row, one writer): this page's band rows and candidates
    were read while the page before was stored, and the next page's are read during this one.
    """
    now = now or utcnow()
    if prepared is not None and (
        prepared.items is not items
        or prepared.source_id != source_id
        or prepared.default_language != default_language
    ):
        prepared = None  # made for other items or settings: computed again below
    # Copies of stored messages are inserted with their cluster (the `store` step's time
    # includes finding it); the clusters step below settles the rest of the page.
    ahead = None
    if lookahead is not None:
        ahead = lookahead.begin_page(prepared.signed if prepared is not None else None)
    placement = Placement(session, now, prepared.signed if prepared else None, ahead)
    # Likewise their region tags are computed first, so the posts INSERT carries their
    # provinces (`posts.province_codes`) and the triggers on `post_regions` rewrite no row.
    tags = ArrivalTags(session, source_id, prepared.matched if prepared else None)
    with _timed("store"):
        outcome = ingest(
            session,
            items,
            source_id=source_id,
            default_language=default_language,
            place=placement,
            tags=tags,
            rows=prepared.rows if prepared else None,
        )
    process(
        session,
        outcome.new_posts,
        outcome.declared_regions,
        scorer=scorer,
        now=now,
        placed=placement.placed,
        tags=tags,
    )
    if lookahead is not None:
        # Nothing new, nothing indexed; otherwise what the clustering step recorded.
        indexed = placement.placed.indexed if outcome.new_posts else PageHeads.empty()
        lookahead.end_page(indexed)
    return outcome


def process(
    session: Session,
    posts: Sequence[Post],
    declared: Mapping[int, str] | None = None,
    *,
    scorer: Scorer | None = None,
    now: datetime | None = None,
    placed: Placed | None = None,
    tags: ArrivalTags | None = None,
) -> None:
    """Run the arrival steps on newly stored posts, in order."""
    if not posts:
        return
    now = now or utcnow()
    with _timed("regions"):
        if tags is not None:
            tags.write(posts, declared or {})
        else:
            tag_posts(session, posts, declared or {})
    with _timed("clusters"):
        grown = assign_clusters(session, posts, now, placed)
    scored: list[int] = []
    if scorer is not None:
        with _timed("scoring"):
            scored = score_inline(session, posts, scorer, now)
    with _timed("decisions"):
        inherit_cluster_decisions(session, posts)
    with _timed("priority"):
        # Unscored arrivals stay at 0: only scored ones and the flagged copies of clusters
        # that just grew can move.
        priorities_after_clustering(session, scored, grown.cluster_ids, now)


def score_inline(
    session: Session, posts: Sequence[Post], scorer: Scorer, now: datetime
) -> list[int]:
    """Score arrivals with the loaded model (as the scoring job would); return the ids scored."""
    wanted = [p for p in posts if p.language in CLASSIFIABLE and p.duplicate_of_id is None]
    if not wanted:
        return []
    # The rows are ours until the edge commits; a lease keeps `store`'s ownership check true.
    for post in wanted:
        post.score_lease_owner = INLINE_WORKER
        post.score_lease_expires_at = now + timedelta(minutes=5)
    session.flush()
    batch = [Pending(p.id, p.title, p.text) for p in wanted]
    results = scorer.classifier.classify([predictions.text_of(p) for p in batch], scorer.matcher)
    predictions.store(session, INLINE_WORKER, scorer.classifier.version, batch, results, now)
    for post in wanted:
        session.expire(post)  # store wrote the columns with bulk UPDATEs
    return [p.id for p in batch]


def loaded_scorer() -> Scorer | None:
    """Return the model this process already loaded for its scoring job, if any."""
    classifier, matcher = loaded_model()
    return Scorer(classifier, matcher) if classifier is not None else None
