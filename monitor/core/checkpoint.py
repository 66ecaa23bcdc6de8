"""SQLite WAL checkpoints on a background thread, off the committing thread's path.

Why: with SQLite's default `wal_autocheckpoint=1000` the connection that commits runs the
checkpoint itself (copy the WAL back into the main file, then fsync both). A 1,000-post
arrival page writes ~11 MB to the WAL, so every such commit paid a checkpoint: 20 commits
took 1.6-2.3 s of wall time for 0.45 s of CPU at 1 M posts stored (docs/benchmarks.md,
eleventh pass). Here each process that writes a SQLite file runs a thread with its own
connection that checkpoints (PASSIVE: it never blocks a reader or a writer) shortly after
commits; the writers' own auto-checkpoint stays as a backstop, raised so that it fires only
when this thread has fallen behind or is not running.
"""

from __future__ import annotations

import atexit
import logging
import sqlite3
import threading
import time
import weakref
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

# The writers' backstop (pages of 4 KiB, ~160 MB): a writer checkpoints by itself only when
# the WAL holds this many frames, i.e. this thread is behind, dead, or absent (a process that
# disabled it, another program on the same file), or writes never pause. Why so many: under
# continuous writes the WAL restarts from its beginning only here (a writer restarts it when
# its transaction began after a checkpoint had copied every frame, and the next page begins
# while this thread still copies the last one); at 10,000 pages the writers still spent
# 0.29-0.30 s in commits per 10,000 posts, at 40,000 0.15-0.20 s (SQLite default: 1.2-1.35 s).
WRITER_AUTOCHECKPOINT_PAGES = 40_000
# When a WAL restarts from its beginning, a writer truncates a file larger than this
# (`journal_size_limit`): a burst or a long reader leaves no large -wal file behind for good.
JOURNAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024
# Shortest gap between two checkpoints while commits keep coming. Short, because the WAL
# restarts from its beginning (instead of growing) only when a checkpoint has copied every
# frame before the writer's next transaction begins.
MIN_INTERVAL_S = 0.05
# No commit for this long: checkpoint with TRUNCATE (never waiting: it gives up if a writer
# or reader is in the way), so an idle store keeps no -wal file of its last burst.
IDLE_TRUNCATE_S = 2.0
# No commit for this long: the thread closes its connection and ends; the next commit of
# the process starts it again.
IDLE_EXIT_S = 30.0
# One warning per this many seconds at most, however often checkpoints fail.
WARN_EVERY_S = 60.0


@dataclass
class CheckpointStats:
    """What a checkpointer did since it was made (read by tests and benches)."""

    runs: int = 0
    busy: int = 0
    failures: int = 0
    complete: int = 0  # checkpoints that found frames and left all of them in the main file
    peak_wal_frames: int = 0
    truncations: int = 0


class Checkpointer:
    """Checkpoint one SQLite file from a daemon thread, woken after commits that wrote."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.stats = CheckpointStats()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._last_warned = -WARN_EVERY_S
        _ALL.add(self)

    def wake(self) -> None:
        """Note that a commit wrote to the WAL; start the thread when it is not running."""
        # Why under the lock every time (uncontended, well under a microsecond): the thread
        # decides to end under it too, so no wake-up is lost between the two.
        with self._lock:
            self._wake.set()
            # Not alive though set: this process was forked from one whose thread ran.
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(
                    target=self._run, name=f"checkpoint:{self.path.name}", daemon=True
                )
                self._thread.start()

    def running(self) -> bool:
        """Tell whether the thread is alive."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to finish (after one last checkpoint) and wait for it."""
        with self._lock:
            thread = self._thread
            self._stop.set()
            self._wake.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _run(self) -> None:
        conn: sqlite3.Connection | None = None
        last_commit = last_run = time.monotonic()
        pending, truncated = True, False
        try:
            while True:
                woke = self._wake.wait(MIN_INTERVAL_S if pending else IDLE_TRUNCATE_S)
                now = time.monotonic()
                if woke:
                    self._wake.clear()
                    last_commit, pending, truncated = now, True, False
                if self._stop.is_set():
                    break
                if pending and now - last_run >= MIN_INTERVAL_S:
                    conn = conn or self._connect()
                    pending = not (conn and self._checkpoint(conn, "PASSIVE"))
                    last_run = now
                elif not pending and not truncated and now - last_commit >= IDLE_TRUNCATE_S:
                    conn = conn or self._connect()
                    if conn is not None:
                        self._checkpoint(conn, "TRUNCATE")
                    truncated = True  # once per idle spell; a miss leaves a reusable file
                if now - last_commit >= IDLE_EXIT_S and not pending and self._end():
                    return
            if pending:  # stopped: what the last commits left, without waiting for anyone
                conn = conn or self._connect()
                if conn is not None:
                    self._checkpoint(conn, "PASSIVE")
        finally:
            if conn is not None:
                conn.close()
            with self._lock:
                if self._thread is threading.current_thread():
                    self._thread = None

    def _end(self) -> bool:
        """End the thread unless a commit woke it meanwhile (decided under the lock)."""
        with self._lock:
            if self._wake.is_set():
                return False
            self._thread = None
            return True

    def _connect(self) -> sqlite3.Connection | None:
        try:
            # Why timeout=0: a checkpoint that cannot proceed gives up at once instead of
            # making a writer wait behind it; the next wake-up tries again.
            return sqlite3.connect(self.path, timeout=0, isolation_level=None)
        except sqlite3.Error as exc:
            self._failed(exc)
            return None

    def _checkpoint(self, conn: sqlite3.Connection, mode: str) -> bool:
        """Run one checkpoint; True when every frame of the WAL is in the main file."""
        try:
            row = conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchone()
        except sqlite3.Error as exc:
            self._failed(exc)
            return False
        busy, frames, copied = row if row else (1, -1, -1)
        self.stats.runs += 1
        if frames < 0:  # not in WAL mode (or the file is gone): nothing to do
            return True
        self.stats.peak_wal_frames = max(self.stats.peak_wal_frames, frames)
        if busy:
            # A reader on an old snapshot, another process's checkpoint, or (TRUNCATE) a
            # writer: normal on a shared file; what could be copied was.
            self.stats.busy += 1
            log.debug("checkpoint busy", extra={"mode": mode, "frames": frames, "copied": copied})
            return False
        if mode == "TRUNCATE":
            self.stats.truncations += 1
        self.stats.complete += frames > 0 and copied >= frames
        return copied >= frames

    def _failed(self, exc: sqlite3.Error) -> None:
        self.stats.failures += 1
        now = time.monotonic()
        if now - self._last_warned >= WARN_EVERY_S:
            self._last_warned = now
            # The writers' own auto-checkpoint still bounds the WAL: a warning, not an error.
            log.warning(
                "background checkpoint failed; writers checkpoint by themselves meanwhile",
                extra={"database": self.path.name, "reason": str(exc)},
            )


_ALL: weakref.WeakSet[Checkpointer] = weakref.WeakSet()


@atexit.register
def stop_all() -> None:
    """Stop every checkpointer of the process (at exit: the last commits are checkpointed)."""
    for checkpointer in list(_ALL):
        checkpointer.stop()
