"""Compute the next input's result in one worker process while the caller uses this one.

Why: `waspada ingest` prepares each page (`arrival.prepare`: language detection, near-copy
signatures, region matches; pure CPU) and stores it. Threads cannot overlap the two (the
GIL); a second process can, on the second core. The worker is forked before the caller's
own threads start (the commit thread), computes at most one input ahead, and its result is
a page's pickle (about 20 ms to move against about 90 ms to compute, docs/benchmarks.md).

Nothing is lost when the worker fails: a worker that raises or dies makes the caller compute
that input, and the rest, in its own process. A single input never starts a process.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import TypeVar

log = logging.getLogger(__name__)

In = TypeVar("In")
Out = TypeVar("Out")


def ahead_map(fn: Callable[[In], Out], inputs: Iterable[In]) -> Iterator[Out]:
    """Yield `fn(x)` for each input in order; the next one is computed in a worker process.

    `fn` must be a module-level function (it is sent to the worker by name) with picklable
    inputs and results. Start the iteration before any thread that must not be forked.
    """
    it = iter(inputs)
    head = list(islice(it, 2))
    if len(head) < 2:  # one page (or none): not worth a process
        yield from map(fn, head)
        return
    first, second = head
    # Why the first in process, before the fork: it loads what `fn` loads on first use
    # (the language model, the gazetteer: 0.4 s), and the forked worker inherits it all.
    done = fn(first)
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
    try:
        pending: Future[Out] | None = _submit(pool, fn, second)  # forks here
        yield done  # the caller stores it while the worker computes the second
        current = second
        for following in it:
            result, pending = _take(pending, fn, current)
            if pending is not None:  # a failed worker is not used again
                pending = _submit(pool, fn, following)
            yield result
            current = following
        yield _take(pending, fn, current)[0]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _submit(pool: ProcessPoolExecutor, fn: Callable[[In], Out], x: In) -> Future[Out] | None:
    try:
        return pool.submit(fn, x)
    except Exception:  # a broken pool: the caller computes in its own process
        log.warning("ahead worker unavailable; computing in process", exc_info=True)
        return None


def _take(
    pending: Future[Out] | None, fn: Callable[[In], Out], x: In
) -> tuple[Out, Future[Out] | None]:
    """Return the worker's result for `x` (or compute it here) and whether to keep the worker."""
    if pending is None:
        return fn(x), None
    try:
        return pending.result(), pending
    except Exception:  # raised or died (BrokenProcessPool): computed again in process
        log.warning("ahead worker failed; computing in process", exc_info=True)
        return fn(x), None
