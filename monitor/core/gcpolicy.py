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


def tune_for_pages() -> None:
    """Collect cyclic garbage less often (processes storing pages of posts)."""
    gc.set_threshold(*PAGE_THRESHOLDS)
