"""The scoring job: load the promoted model once per version, score pending posts in batches.

A promotion changes the promoted version; posts fetched within `rescore_window` and scored by
another version become pending again, so the same job re-scores them in the background.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from classifiers.contracts import Classification, Classifier, Matcher
from monitor.core.db import transient_conflict
from monitor.core.runtime import Runtime
from monitor.factchecks.service import load_matcher
from monitor.predictions import loader, repository, service
from monitor.predictions.repository import Pending

log = logging.getLogger(__name__)


def worker_id() -> str:
    """Name this process in leases (host and pid, computed now so forks differ)."""
    return f"{socket.gethostname()}:{os.getpid()}"


# Why: a tick that scores for ever would starve the scheduler's other jobs on SQLite.
TIME_BUDGET_SECONDS = 25.0
# A refresh only reads fact-checks added since the last one (cheap when none are new), so
# a new debunk reaches the scoring job within a minute.
MATCHER_REFRESH_SECONDS = 60.0


@dataclass
class _Loaded:
    version: str | None = None
    classifier: Classifier | None = None
    matcher: Matcher | None = None
    matcher_at: float = 0.0
    warned_missing: bool = False


_cache = _Loaded()
_cache_lock = threading.Lock()


def current_model(rt: Runtime) -> tuple[Classifier | None, Matcher | None]:
    """Return the promoted classifier (reloaded only when the promoted version changes)."""
    with _cache_lock, rt.session() as s:
        version = repository.promoted_version(s)
        if version is None:
            if not _cache.warned_missing:
                log.warning(
                    "no promoted model: posts are stored unscored until one is promoted",
                    extra={"waiting": repository.count_unscored(s)},
                )
                _cache.warned_missing = True
            return None, None
        if version != _cache.version or _cache.classifier is None:
            _cache.classifier = loader.load_classifier(s, rt.settings)
            _cache.version = version if _cache.classifier is not None else None
            _cache.matcher_at = 0.0
            if _cache.classifier is None:
                log.error("promoted model could not be loaded", extra={"version": version})
                return None, None
            log.info("model loaded for scoring", extra={"version": version})
            _cache.warned_missing = False
        if time.monotonic() - _cache.matcher_at > MATCHER_REFRESH_SECONDS:
            _cache.matcher = load_matcher(s)
            _cache.matcher_at = time.monotonic()
        return _cache.classifier, _cache.matcher


# Called with each stored batch's post ids in the same transaction (the priority step).
AfterStore = Callable[[Session, list[int]], object]


def loaded_model() -> tuple[Classifier | None, Matcher | None]:
    """Return the model this process already loaded for scoring (never loads one)."""
    with _cache_lock:
        return _cache.classifier, _cache.matcher


def score_batch(
    rt: Runtime,
    classifier: Classifier,
    matcher: Matcher | None,
    worker: str | None = None,
    after_store: AfterStore | None = None,
) -> int:
    """Lease, classify and store one batch; return the number of posts scored."""
    worker = worker or worker_id()
    with rt.session() as s:
        batch = service.claim(s, rt.settings, worker, classifier.version)
    if not batch:
        return 0
    try:
        results = classifier.classify([service.text_of(p) for p in batch], matcher)
    except Exception:
        with rt.session() as s:
            repository.release(s, [p.id for p in batch], worker)
        raise
    stored = _store_retrying(rt, worker, classifier.version, batch, results, after_store)
    # Per batch, so a worker killed mid-run still accounts for what it stored (debug level).
    log.debug("batch scored", extra={"posts": stored, "worker": worker})
    return stored


# Why retry: the priority step and the collectors' cluster links update the same post rows;
# PostgreSQL breaks a deadlock by rolling one transaction back whole. The classification is
# still valid, so storing it again at once beats leaving the batch leased for `score_lease`.
STORE_ATTEMPTS = 4


def _store_retrying(
    rt: Runtime,
    worker: str,
    version: str,
    batch: Sequence[Pending],
    results: Sequence[Classification],
    after_store: AfterStore | None,
) -> int:
    ids = [p.id for p in batch]
    for attempt in range(1, STORE_ATTEMPTS + 1):
        try:
            with rt.session() as s:
                stored = service.store(s, worker, version, batch, results)
                if after_store is not None:
                    after_store(s, ids)
            return stored
        except SQLAlchemyError as exc:
            if attempt < STORE_ATTEMPTS and transient_conflict(exc):
                log.warning("scored batch conflicted; storing it again", extra={"attempt": attempt})
                time.sleep(random.uniform(0.05, 0.25) * attempt)
                continue
            # Let another worker take the batch now rather than after `score_lease`.
            with contextlib.suppress(SQLAlchemyError), rt.session() as s:
                repository.release(s, ids, worker)
            raise
    raise AssertionError("unreachable")  # the loop returns or raises


def score_pending(
    rt: Runtime,
    classifier: Classifier | None = None,
    matcher: Matcher | None = None,
    worker: str | None = None,
    budget: float = TIME_BUDGET_SECONDS,
    after_store: AfterStore | None = None,
) -> int:
    """Score pending posts until none is left or the time budget is spent."""
    worker = worker or worker_id()
    if classifier is None:
        classifier, matcher = current_model(rt)
        if classifier is None:
            return 0
    total = 0
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        scored = score_batch(rt, classifier, matcher, worker, after_store)
        if scored == 0:
            break
        total += scored
    if total:
        log.info("posts scored", extra={"posts": total, "version": classifier.version})
    return total


def work(
    rt: Runtime,
    stop: threading.Event,
    idle: float = 1.0,
    worker: str | None = None,
    beat: Callable[[str], None] | None = None,
    after_store: AfterStore | None = None,
    wait: Callable[[float], object] | None = None,
) -> int:
    """Score from the shared queue until `stop` is set; wait up to `idle` seconds when empty.

    Several such loops (on one or many machines) share the queue: each batch is claimed
    with `FOR UPDATE SKIP LOCKED` and leased; a worker killed mid-batch loses its lease
    after `score_lease` and the next claim takes those posts. `wait` (an arrival listener's)
    returns early when posts arrive; without it the loop sleeps `idle`.
    """
    worker = worker or worker_id()
    total = 0
    while not stop.is_set():
        if beat is not None:
            beat(worker)
        classifier, matcher = current_model(rt)
        scored = 0
        if classifier is not None:
            try:
                scored = score_pending(rt, classifier, matcher, worker, after_store=after_store)
            except SQLAlchemyError as exc:
                # A worker outlives a database hiccup: its batch was released (or its lease
                # runs out) and the next round claims again.
                log.error("scoring round failed", extra={"error": str(exc)[:300]})
        total += scored
        if scored == 0:
            if wait is not None:
                wait(idle)
            else:
                stop.wait(idle)
    return total
