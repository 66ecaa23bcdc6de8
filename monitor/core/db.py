"""Engine construction, the unit-of-work context, and start-up database checks."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InvalidatePoolError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from monitor.core.checkpoint import (
    JOURNAL_SIZE_LIMIT_BYTES,
    WRITER_AUTOCHECKPOINT_PAGES,
    Checkpointer,
)

log = logging.getLogger(__name__)
T = TypeVar("T")


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached or opened; the message says why."""


def _sqlite_path(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database)


SQLITE_BEGIN_MODES = ("DEFERRED", "IMMEDIATE")


def make_engine(
    url: str,
    *,
    busy_timeout_s: float = 30.0,
    statement_timeout: timedelta | None = None,
    short_pages: bool = False,
    ping_idle_s: float | None = None,
    background_checkpoint: bool = True,
    **kwargs: Any,
) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and transactional DDL.

    `statement_timeout` (PostgreSQL): the server cancels any statement running longer.
    `short_pages` (PostgreSQL): no JIT and no parallel workers (the API's page queries).
    `ping_idle_s` (PostgreSQL): ping a pooled connection only after that long unused
    (`ping_when_idle`) instead of on every checkout (`pool_pre_ping`).
    `background_checkpoint` (SQLite file): checkpoint the WAL from a thread of this process
    after commits that wrote (`monitor.core.checkpoint`), not in the committing thread.
    """
    # Why: error messages and tracebacks would otherwise quote bound parameters, i.e. post
    # text, names and URLs, into logs (issue 13); logs carry ids instead.
    kwargs.setdefault("hide_parameters", True)
    if not url.startswith("sqlite"):
        extra: list[str] = []
        if statement_timeout is not None and statement_timeout.total_seconds() > 0:
            # Set at connect (libpq options): no round trip per request, and only this
            # engine's sessions are cut off (the scheduler's own engine is not).
            ms = max(1, round(statement_timeout.total_seconds() * 1000))
            extra.append(f"-c statement_timeout={ms}")
        if short_pages:
            # Why: a queue page is a LIMIT 51 walk whose estimated total cost can cross
            # jit_above_cost (44 ms of JIT compiling for a 67 ms page at 1 M posts) and whose
            # sparse region walk ran on two parallel workers: 107 ms of server CPU per page
            # instead of 31 ms without them (docs/benchmarks.md, api4).
            extra.append("-c jit=off -c max_parallel_workers_per_gather=0")
        if extra:
            # Keep any `?options=...` of the URL: connect_args would replace it otherwise.
            given = make_url(url).query.get("options", "")
            args = kwargs.setdefault("connect_args", {})
            before = args.get("options") or (given if isinstance(given, str) else " ".join(given))
            args["options"] = " ".join([before, *extra]).strip()
        kwargs.setdefault("pool_pre_ping", ping_idle_s is None)
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        engine = create_engine(url, **kwargs)
        if ping_idle_s is not None:
            ping_when_idle(engine, ping_idle_s)
        return engine

    path = _sqlite_path(url)
    if path is not None:
        check_sqlite_location(path)
        private_file(path)
    connect_args = kwargs.pop("connect_args", {})
    connect_args.setdefault("timeout", busy_timeout_s)
    connect_args.setdefault("check_same_thread", False)
    engine = create_engine(url, connect_args=connect_args, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Why: pysqlite's own transaction handling commits before DDL, so a migration
        # interrupted by Ctrl-C would leave half a schema. Take control of BEGIN (the
        # SQLAlchemy "serializable isolation / savepoints / transactional DDL" recipe).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        if path is not None:
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            if background_checkpoint:
                # The thread checkpoints; a writer does so itself only as a backstop.
                cur.execute(f"PRAGMA wal_autocheckpoint={WRITER_AUTOCHECKPOINT_PAGES}")
            cur.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT_BYTES}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Why IMMEDIATE: a deferred transaction that reads and then writes cannot wait for
        # a writer that committed in between (SQLite answers SQLITE_BUSY at once, without
        # the busy timeout), so a CLI command beside a running `waspada up` failed with
        # "database is locked". IMMEDIATE takes the write lock up front and waits for it
        # (busy_timeout) instead. Pure readers may pass sqlite_begin="DEFERRED".
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        if mode not in SQLITE_BEGIN_MODES:
            raise ValueError(f"sqlite_begin must be one of {SQLITE_BEGIN_MODES}, not {mode!r}")
        conn.exec_driver_sql(f"BEGIN {mode}")

    if path is not None and background_checkpoint:
        _checkpoint_after_writes(engine, Checkpointer(path))
    return engine


def _checkpoint_after_writes(engine: Engine, checkpointer: Checkpointer) -> None:
    """Wake `checkpointer` after commits that changed rows; stop it with the engine."""
    _CHECKPOINTERS[engine] = checkpointer

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: Any) -> None:
        record.info["changes"] = dbapi_conn.total_changes

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_conn: Any, record: Any) -> None:
        # Why at check-in: a session gives its connection back right after COMMIT, so the
        # thread starts on committed frames (a connection kept open across commits wakes it
        # when it is closed; the writers' backstop covers the commits in between). Why
        # total_changes: a read-only transaction (most of the API's) wrote nothing and
        # must not start a thread.
        if dbapi_conn is None or record is None:
            return
        changes = dbapi_conn.total_changes
        if record.info.get("changes", changes) != changes:
            record.info["changes"] = changes
            checkpointer.wake()

    @event.listens_for(engine, "engine_disposed")
    def _on_dispose(_engine: Engine) -> None:
        checkpointer.stop()


_CHECKPOINTERS: weakref.WeakKeyDictionary[Engine, Checkpointer] = weakref.WeakKeyDictionary()


def checkpointer_of(engine: Engine) -> Checkpointer | None:
    """Return the background checkpointer of a SQLite file engine (None: it has none)."""
    return _CHECKPOINTERS.get(engine)


def ping_when_idle(engine: Engine, idle_s: float) -> None:
    """Ping a pooled connection on checkout only when it sat unused for more than `idle_s`.

    SQLAlchemy's `pool_pre_ping` pings on every checkout. Here a dead connection found by the
    ping is replaced, with the rest of the pool (`InvalidatePoolError`); one that died within
    `idle_s` of its last use fails its statement instead, and SQLAlchemy then invalidates
    the whole pool, so only the requests already holding such connections see the error.
    """

    @event.listens_for(engine, "connect")
    def _fresh(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _back(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is not None and time.monotonic() - since <= idle_s:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_conn, None):
                # The whole pool: after a restart every connection idle this long is dead.
                raise InvalidatePoolError("stale pooled connection") from exc
            raise


# One AUTOCOMMIT pool per engine, however many runtimes wrap that engine (tests build many).
_AUTOCOMMIT: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
_AUTOCOMMIT_LOCK = threading.Lock()


def autocommit_engine(engine: Engine, pool_size: int = 5) -> Engine:
    """Return a second pool on the same database for one-statement writes (the shared limiters).

    Why its own pool: each statement is its own transaction (AUTOCOMMIT), so a bucket's row
    lock is never held for a whole request, and without `pool_pre_ping` a checkout costs no
    extra round trip; callers retry once on a dropped connection instead (`once_more`).
    Commits do not wait for the WAL flush (`synchronous_commit=off`): a crash loses at most
    the last fraction of a second of token spending, which refills anyway, and every
    request no longer waits for a disk flush of its bucket row.
    """
    with _AUTOCOMMIT_LOCK:
        found = _AUTOCOMMIT.get(engine)
        if found is None:
            args: dict[str, Any] = {}
            if engine.dialect.name == "postgresql":
                given = engine.url.query.get("options") or ""
                before = given if isinstance(given, str) else " ".join(given)
                args["options"] = f"{before} -c synchronous_commit=off".strip()
            found = _AUTOCOMMIT[engine] = create_engine(
                engine.url,
                isolation_level="AUTOCOMMIT",
                pool_pre_ping=False,
                pool_size=pool_size,
                max_overflow=2 * pool_size,
                hide_parameters=True,
                connect_args=args,
            )
        return found


def dispose_autocommit(engine: Engine) -> None:
    """Close the AUTOCOMMIT pool of `engine`, if one was built."""
    with _AUTOCOMMIT_LOCK:
        found = _AUTOCOMMIT.pop(engine, None)
    if found is not None:
        found.dispose()


def once_more(engine: Engine, work: Callable[[Connection], T]) -> T:
    """Run `work` on a pooled connection, again on a fresh one if the first had been dropped."""
    try:
        with engine.connect() as conn:
            return work(conn)
    except DBAPIError as exc:
        # A database restart leaves stale pooled connections; SQLAlchemy then invalidates
        # the pool, so the second try connects afresh. Any other error is the caller's.
        if not exc.connection_invalidated:
            raise
    with engine.connect() as conn:
        return work(conn)


def read_connection(engine: Engine) -> Connection:
    """A connection for reading only: on SQLite it never waits for another writer's lock."""
    return engine.connect().execution_options(sqlite_begin="DEFERRED")


def private_file(path: Path) -> None:
    """Create the SQLite file 0600 before SQLite does (its -wal/-shm files copy the mode)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        with contextlib.suppress(OSError):  # not ours to change: leave it
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)
    except OSError:
        pass  # check_sqlite_location reports unwritable directories


def check_sqlite_location(path: Path) -> None:
    """Fail clearly when the SQLite file's directory cannot be created or written."""
    directory = path.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseUnavailable(f"cannot create data directory {directory}: {exc}") from exc
    probe = directory / ".waspada-write-test"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise DatabaseUnavailable(
            f"data directory {directory} is not writable ({exc.strerror}); "
            "set WASPADA_DATA_DIR to a writable folder"
        ) from exc
    if path.exists() and not _writable(path):
        raise DatabaseUnavailable(f"database file {path} is read-only")


def _writable(path: Path) -> bool:
    try:
        with path.open("ab"):
            return True
    except OSError:
        return False


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory bound to the engine."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session that commits on success and rolls back on error (the edge's unit of work)."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def wait_for_database(engine: Engine, timeout: float, first_delay: float = 0.5) -> None:
    """Retry connecting with exponential backoff for up to `timeout` seconds, then raise."""
    deadline = time.monotonic() + timeout
    delay = first_delay
    attempt = 0
    while True:
        attempt += 1
        try:
            with read_connection(engine) as conn:
                conn.execute(text("SELECT 1"))
            return
        except OperationalError as exc:
            remaining = deadline - time.monotonic()
            reason = str(exc.orig or exc).strip().splitlines()[0]
            if remaining <= 0:
                raise DatabaseUnavailable(
                    f"database {engine.url.render_as_string(hide_password=True)} unreachable "
                    f"after {attempt} attempts over {timeout:.0f}s: {reason}"
                ) from exc
            log.warning(
                "database not reachable, retrying",
                extra={
                    "attempt": attempt,
                    "retry_in": round(min(delay, remaining), 2),
                    "reason": reason,
                },
            )
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 10.0)


# PostgreSQL's deadlock_detected and serialization_failure: the transaction was rolled back
# whole and the same work, run again, normally succeeds.
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})


def transient_conflict(exc: BaseException) -> bool:
    """Tell whether a database error is a deadlock or serialization conflict worth a retry."""
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) in TRANSIENT_SQLSTATES
