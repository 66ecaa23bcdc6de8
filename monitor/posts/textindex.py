"""The full-text index's pending list, merged from a thread after arrival commits (PostgreSQL).

Why: `ix_posts_text_fts` is a GIN index with `fastupdate` (the default): every posts INSERT
appends its entries to the index's pending list, and the INSERT that finds the list longer
than `gin_pending_list_limit` (4 MB, a few thousand posts) merges the whole list into the
index itself. At 1 M posts stored that merge cost one arrival page 0.4-0.6 s inside its
chain of statements (docs/benchmarks.md, sixteenth pass), while the server's other core
idled. Here a thread of the arriving process merges the list on a connection of its own
(`gin_clean_pending_list`) right after a page commits, while the next page is being stored:
the inserts then find the list short and never merge. `fastupdate=off` was measured much
worse (every insert updates the index tree), so the list stays; only who empties it moves.

Nothing depends on it: when the merge cannot run (the role does not own the index, the
index is missing, the server is gone) the thread warns once and stops asking, and the
inserts merge by themselves as before. It changes no row, only when the index is tidied.
"""

from __future__ import annotations

import logging
import threading
import weakref

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import ResourceClosedError, SQLAlchemyError

log = logging.getLogger(__name__)

TEXT_INDEX = "ix_posts_text_fts"
_MERGE = "SELECT gin_clean_pending_list(CAST(%s AS regclass))"
# Text committed (characters of the posts inserted or rewritten) that asks for the first
# merge; after each merge the thread sets the next threshold from what it found (the pages
# the merge removed per character gathered: about 6 bytes a character for tweets), so that
# the list is merged at TARGET_SHARE of its limit (`gin_pending_list_limit`), whatever the
# texts' length. Why not after every page: a merge costs far less per entry on a longer
# list (one descent per distinct word), and merging each 1,000-tweet page cost the server
# about four times what the inserts' own merges cost (docs/benchmarks.md, eighteenth
# pass). Why not at the limit itself: a page committed while a merge runs still adds to
# the list, and an insert that finds it full merges it inside its page again.
MERGE_AFTER_CHARS = 500_000
TARGET_SHARE = 0.75
_LIMIT = (
    "SELECT coalesce((SELECT CAST(option_value AS bigint) FROM pg_options_to_table("
    "(SELECT reloptions FROM pg_class WHERE oid = CAST(%s AS regclass))) "
    "WHERE option_name = 'gin_pending_list_limit'), "
    "(SELECT CAST(setting AS bigint) FROM pg_settings WHERE name = 'gin_pending_list_limit'))"
)
PAGE_BYTES = 8192
# No commit for this long: the thread gives its connection back and ends; the next wake
# starts it again.
IDLE_EXIT_S = 10.0


class PendingMerger:
    """Merge the text index's pending list from a daemon thread, woken after commits."""

    def __init__(self, engine: Engine, index: str = TEXT_INDEX) -> None:
        # Weakly: `pending_merger` keys its mergers by engine in a WeakKeyDictionary, which
        # a strong reference from the value would keep alive for good.
        self._engine = weakref.ref(engine)
        self.index = index
        self.merges = 0  # merges that ran (tests and benches read it)
        self.failed: str | None = None  # why merging stopped, once it did
        self._cond = threading.Condition()
        self.after_chars = MERGE_AFTER_CHARS  # the threshold, set anew after each merge
        self._gathered = 0  # characters committed since the last merge was asked for
        self._asked_chars = 0  # what the merge asked for gathered
        self._asked = False  # a merge is asked for and not begun
        self._busy = False  # a merge is running
        self._thread: threading.Thread | None = None

    def wake(self, chars: int = MERGE_AFTER_CHARS) -> None:
        """Note a commit of `chars` characters of text; merge once enough have gathered."""
        with self._cond:
            if self.failed is not None:
                return
            self._gathered += chars
            if self._gathered < self.after_chars:
                return
            self._asked_chars += self._gathered
            self._gathered = 0
            self._asked = True
            self._cond.notify_all()
            # Not alive though set: this process was forked from one whose thread ran.
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name=f"merge:{self.index}", daemon=True
                )
                self._thread.start()

    def settle(self, timeout: float = 60.0) -> bool:
        """Wait until no merge is asked for or running (False: not within `timeout`)."""
        with self._cond:
            return self._cond.wait_for(lambda: not (self._asked or self._busy), timeout)

    def _run(self) -> None:
        conn: Connection | None = None
        limit_kb: int | None = None
        try:
            while True:
                with self._cond:
                    if not self._cond.wait_for(lambda: self._asked, IDLE_EXIT_S):
                        # Idle: end here, under the lock, so no wake-up is lost between the
                        # two (the next `wake` sees no live thread and starts one).
                        self._thread = None
                        return
                    self._asked, self._busy = False, True
                    chars, self._asked_chars = self._asked_chars, 0
                try:
                    if conn is None:
                        conn = self._connect()
                        limit_kb = conn.exec_driver_sql(_LIMIT, (self.index,)).scalar()
                    pages = conn.exec_driver_sql(_MERGE, (self.index,)).scalar()
                    self.merges += 1
                    if pages and chars and limit_kb:
                        per_char = pages * PAGE_BYTES / chars
                        self.after_chars = int(TARGET_SHARE * limit_kb * 1024 / per_char)
                except SQLAlchemyError as exc:
                    self._stop(exc)
                    return
                finally:
                    with self._cond:
                        self._busy = False
                        self._cond.notify_all()
        finally:
            if conn is not None:
                conn.close()

    def _connect(self) -> Connection:
        # Autocommit: the merge is its own short transaction and holds nothing afterwards.
        engine = self._engine()
        if engine is None:  # the engine is gone: so is every page that could ask again
            raise ResourceClosedError("the engine of this merger was garbage-collected")
        return engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def _stop(self, exc: SQLAlchemyError) -> None:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
        with self._cond:
            self.failed, self._asked, self._thread = reason, False, None
            self._cond.notify_all()
        # The inserts merge the list themselves, as without this thread: a warning only.
        log.warning("text index merge stopped", extra={"index": self.index, "reason": reason})


_MERGERS: weakref.WeakKeyDictionary[Engine, PendingMerger] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def pending_merger(engine: Engine) -> PendingMerger | None:
    """Return the engine's merger (made on first use); None when not PostgreSQL."""
    if engine.dialect.name != "postgresql":
        return None
    with _lock:
        merger = _MERGERS.get(engine)
        if merger is None:
            merger = _MERGERS[engine] = PendingMerger(engine)
        return merger
