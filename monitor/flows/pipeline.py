"""One writer thread that stores pages in order while the caller prepares the next ones.

Why: storing a page is mostly waiting (the SQLite engine, the disk's fsync, PostgreSQL's
round trips), during which the drivers release the GIL; preparing a page (parsing,
validation, language detection, signatures, region matches) needs no database. With the
store in its own thread the two overlap. One writer keeps SQLite's single-writer rule and the
pages' order; the queue is bounded, so at most `depth` prepared pages wait in memory besides
the one being stored. Each page is stored by `store` as before, in its own session and
transaction: the edge still owns each page's commit.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

log = logging.getLogger(__name__)

_STOP = object()


class Writer(Generic[T, R]):
    """Store pages with `store` in one thread, in the order given; results in `results`.

    After a page's store raises, the pages still queued are not stored and the error is
    raised in the caller's thread at its next `put` or at `close`, as if `store` had been
    called there: the pages before it are committed, nothing after it is half-stored.
    """

    def __init__(self, store: Callable[[T], R], depth: int = 1, name: str = "writer") -> None:
        self._store = store
        self._queue: queue.Queue[object] = queue.Queue(maxsize=max(1, depth))
        self._error: BaseException | None = None
        self._closed = False
        self.results: list[R] = []
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def put(self, page: T) -> None:
        """Hand a prepared page to the writer (waits while `depth` pages already wait)."""
        self._raise_failure()
        self._queue.put(page)

    def close(self) -> list[R]:
        """Wait until every page handed over is stored; raise the writer's error, if any."""
        if not self._closed:
            self._closed = True
            self._queue.put(_STOP)
            self._thread.join()
        self._raise_failure()
        return self.results

    def __enter__(self) -> Writer[T, R]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.close()
            return
        # The caller failed (a file that cannot be read further, Ctrl-C): the pages it
        # handed over are still stored, as they were before the writer had a thread. Its
        # own error is the one raised; a store failure meanwhile is logged, not lost.
        try:
            self.close()
        except Exception as failure:
            if failure is exc:
                return  # the writer's own error, already on its way up
            log.error("a page was not stored", extra={"error": str(failure)[:300]})

    def _raise_failure(self) -> None:
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        while True:
            page = self._queue.get()
            if page is _STOP:
                return
            if self._error is not None:
                continue  # after a failed page nothing more is stored (drained: no put waits)
            try:
                self.results.append(self._store(page))  # type: ignore[arg-type]
            except BaseException as exc:  # re-raised in the caller's thread
                self._error = exc
