"""Page commits in a thread of their own while the caller prepares the next page.

Why: at 1 M posts stored, a 1,000-post SQLite commit spends most of its time waiting (the
WAL write, the checkpoint, the fsync) with the GIL released; preparing the next page
(parsing, validation, language detection, signatures, region matches) needs no database.
With the commit in its own thread the two overlap. Only the commit moves: a writer thread
running every statement of a page was measured slower on this shared 2-core machine
(the SQLite driver gives up the GIL around every row it steps, so each row of a page's
statements waited for the preparing thread to hand the GIL back; docs/benchmarks.md).

The next page's unit of work starts only after the previous commit succeeded: one writer
(SQLite's rule), file/source order, and a page sees the rows of the page before it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy.orm import Session

from monitor.core.runtime import Runtime

# Seconds the commits took in their thread, and how long the next page waited for them,
# since the last `take_commit_seconds` (the ingest bench prints them: the difference is
# the time that overlapped the next page's preparation).
_seconds = {"committing": 0.0, "waited": 0.0}
_seconds_lock = threading.Lock()


def _add(key: str, seconds: float) -> None:
    with _seconds_lock:
        _seconds[key] += seconds


def take_commit_seconds() -> dict[str, float]:
    """Return the commit seconds (committing, waited) since the last call; start again."""
    with _seconds_lock:
        out = dict(_seconds)
        _seconds.update(committing=0.0, waited=0.0)
    return out


def _commit(session: Session) -> None:
    t0 = time.perf_counter()
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
        _add("committing", time.perf_counter() - t0)


class Committer:
    """Commit each page's session in one background thread, at most one commit in flight."""

    def __init__(self, name: str = "commit") -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix=name)
        self._pending: tuple[Future[None], Callable[[], None] | None] | None = None
        self._after: Callable[[], None] | None = None

    def wait(self) -> None:
        """Wait for the commit in flight; raise its error as the commit would have raised it.

        Once it succeeded, runs what the unit registered with `after`, in this thread.
        """
        pending, self._pending = self._pending, None
        if pending is not None:
            future, after = pending
            t0 = time.perf_counter()
            try:
                future.result()
            finally:
                _add("waited", time.perf_counter() - t0)
            if after is not None:
                after()

    def after(self, action: Callable[[], None]) -> None:
        """Run `action` once the current unit's commit succeeded (never if it failed)."""
        self._after = action

    @contextmanager
    def unit(self, rt: Runtime) -> Iterator[Session]:
        """A unit of work like `rt.session()` whose commit runs in the thread, not here."""
        self.wait()
        self._after = None
        session = rt.factory()
        session.info["settings"] = rt.settings  # as `Runtime.session` does
        try:
            yield session
        except BaseException:
            session.rollback()
            session.close()
            raise
        self._pending = (self._pool.submit(_commit, session), self._after)

    def close(self) -> None:
        """Wait for the last commit (raising its error) and stop the thread."""
        try:
            self.wait()
        finally:
            self._pool.shutdown()

    def __enter__(self) -> Committer:
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
        # The caller failed (a file that cannot be read further, Ctrl-C): the page already
        # handed over still commits, as it did before the thread; the caller's error wins.
        try:
            self.close()
        except Exception as failure:
            exc.add_note(f"the page committing meanwhile failed too: {failure}")
