"""`waspada classify` on several cores: batches scored in forked worker processes, in order.

Why fork: the workers inherit the loaded model, the fact-check index and the language model
from the parent (copy-on-write), so a worker starts in milliseconds and nothing is loaded or
unpickled twice. Batches are the same as the one-process path and are written in input order,
so the output is byte-identical whatever the worker count.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TextIO

from classifiers.contracts import Classifier, Matcher
from classifiers.text.language import load_identifier
from monitor.modelversions.live import Lingered, input_batches, is_live
from monitor.modelversions.stream import BATCH, Parsed, score_batch, write_batches

# Below this many batches a pool costs more than it saves (forking, pickling the first batch).
MIN_BATCHES = 3
# Batches in flight per worker: enough to keep every worker busy while the parent writes.
AHEAD = 2
# The last batches of a file are scored in pieces of a batch's 1/PIECES (see `_in_pool`).
PIECES = 4

# What a forked worker scores with: set in the parent just before the pool forks.
_LOADED: dict[str, Any] = {}


def _score_in_worker(batch: list[Parsed]) -> tuple[str, int, list[str]]:
    return score_batch(_LOADED["classifier"], batch, _LOADED["matcher"])


def warm(*loaded: object) -> None:
    """Build what the classifier and matcher would build lazily on their first batch.

    Why before forking: each worker would otherwise build the same index arrays, rule
    patterns and weights itself (about 0.4 s of CPU each); built once in the parent, the
    workers share them copy-on-write. Objects without `warm` are left as they are.
    """
    for obj in loaded:
        build = getattr(obj, "warm", None)
        if callable(build):
            build()


def worker_count(setting: int) -> int:
    """Return the worker processes to use: `setting`, or one per CPU when it is 0 (auto)."""
    if setting > 0:
        return setting
    return max(1, len(os.sched_getaffinity(0)))


def _pieces(batches: Collection[list[Parsed]], count: int) -> Iterator[list[Parsed]]:
    """Yield the items of `batches` in order, in slices of a `count`-th of the largest batch."""
    items = [item for batch in batches for item in batch]
    size = max(1, -(-max(map(len, batches), default=0) // count))
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _in_pool(
    classifier: Classifier,
    matcher: Matcher | None,
    todo: Iterable[list[Parsed]],
    workers: int,
    hold: int = 0,
) -> Iterator[tuple[str, int, list[str]]]:
    warm(classifier, matcher)
    # Why here and not at start-up: a short run may never meet a post CLD2 cannot place;
    # a run big enough for a pool will, and each worker would map, check and convert the
    # model itself (about 0.06 CPU-s and 13,000 page faults each) instead of sharing it.
    load_identifier()
    _LOADED.update(classifier=classifier, matcher=matcher)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            pending: deque[Future[tuple[str, int, list[str]]]] = deque()
            # The last `hold` batches read wait here until the next one arrives: when the
            # source ends they are the end of the input, and go out in pieces (below).
            held: deque[list[Parsed]] = deque()
            for batch in todo:
                if isinstance(batch, Lingered):
                    held.append(batch)  # a live pipe went quiet: nothing may wait
                    while held:
                        if b := held.popleft():
                            pending.append(pool.submit(_score_in_worker, b))
                    while pending:  # write everything in flight before reading on
                        yield pending.popleft().result()
                    continue
                held.append(batch)
                if len(held) > hold:
                    pending.append(pool.submit(_score_in_worker, held.popleft()))
                while len(pending) >= workers * AHEAD:
                    yield pending.popleft().result()
            # Why pieces, all submitted at once: whole batches leave a worker idle for up to
            # one batch at the end while another scores the last (0.3 s of a 7 s run). Small
            # pieces go to whichever worker is free, so the workers finish together; the
            # output is the same, a text's result not depending on its batch.
            for piece in _pieces(held, PIECES):
                pending.append(pool.submit(_score_in_worker, piece))
            while pending:
                yield pending.popleft().result()
    finally:
        _LOADED.clear()


def _scored(
    classifier: Classifier,
    matcher: Matcher | None,
    todo: Iterator[list[Parsed]],
    workers: int,
    hold: int = 0,
) -> Iterator[tuple[str, int, list[str]]]:
    # Score in this process until MIN_BATCHES batches arrive without the source going quiet
    # (a short file, or a live pipe answering line by line), then in a pool for the rest.
    while True:
        head: list[list[Parsed]] = []
        for batch in todo:
            head.append(batch)
            if len(head) >= MIN_BATCHES or isinstance(batch, Lingered):
                break
        if len(head) < MIN_BATCHES:
            yield from (score_batch(classifier, b, matcher) for b in head if b)
            if not head or not isinstance(head[-1], Lingered):
                return  # the source is exhausted
            continue
        yield from _in_pool(classifier, matcher, itertools.chain(head, todo), workers, hold)
        return


def run(
    classifier: Classifier,
    source: Iterable[bytes | str],
    sink: TextIO,
    *,
    matcher: Matcher | None = None,
    warn: Callable[[str], None] | None = None,
    workers: int = 1,
    batch_size: int = BATCH,
) -> tuple[int, int]:
    """Stream JSONL from `source` to `sink` in order with `workers` processes; (ok, errors).

    A live pipe's batch closes when full or `live.LINGER` s after its first line (`live`).
    """
    todo = input_batches(source, batch_size)
    if workers <= 1:
        outputs: Iterable[tuple[str, int, list[str]]] = (
            score_batch(classifier, b, matcher) for b in todo if b
        )
    else:
        # A file's end is known only when it is read: the last `workers` batches wait
        # to be split (`_in_pool`). A live pipe's batches go out at once, for latency.
        hold = 0 if is_live(source) else workers
        outputs = _scored(classifier, matcher, todo, workers, hold)
    return write_batches(outputs, sink, warn)
