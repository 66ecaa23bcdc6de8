"""Garbage-collector thresholds for the processes that store pages of arrivals."""

from __future__ import annotations

import gc

# Why: a page of 1,000 arrivals allocates hundreds of thousands of container objects (ORM
# states, rows, signatures, region matches) that live until the page commits, so at
# CPython's default (700 allocations) the collector ran ~650 young and ~60 middle
# collections per 5,000 posts, each walking the live page: 0.62 s of 2.62 s CPU on SQLite
# (50 k stored), against 0.06 s at 10,000. Reference cycles are still collected, in
# larger and rarer passes; memory grows by at most the 10,000 newest young objects.
PAGE_THRESHOLDS = (10_000, 10, 10)

_frozen = False


def tune_for_pages() -> None:
    """Collect cyclic garbage less often, and never again walk what start-up loaded."""
    global _frozen
    gc.set_threshold(*PAGE_THRESHOLDS)
    if not _frozen:
        # Why freeze: the oldest generation's passes walked every object start-up created
        # (modules, ORM mappers, settings: ~190 k), 0.13-0.15 s each, one per 5,000
        # collected posts (docs/benchmarks.md, twelfth pass). Frozen objects that later
        # become cyclic garbage are not freed, so this is done once per process, on a heap
        # just collected.
        _frozen = True
        gc.collect()
        gc.freeze()
