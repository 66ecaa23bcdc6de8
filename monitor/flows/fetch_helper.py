"""The collectors' helper process: it fetches, parses and prepares the next source.

Why: on SQLite the collectors store one source at a time (one writer), and fetching a
source, parsing it (JSON, HTML, validation) and preparing it for arrival (language
detection, near-copy signatures, region matches) is CPU that a thread cannot overlap with
the store (the GIL). `waspada ingest` forks a worker for this (`flows/ahead.py`), but the
collectors run inside the scheduler, a process with threads, where fork is unsafe. This
helper is started with `spawn` (a fresh interpreter, safe beside threads), loads the
language model and the gazetteer once, and lives as long as the process.

Several sources are fetched at once (`IN_FLIGHT`, as many as the collectors' threads once
fetched): a slow remote source must not hold back the ones after it. The helper runs each
job in a thread of its own and hands results back in the order the caller asks for them.

The fetch keeps its guard and its manners: the helper builds one client from the caller's
(`HttpClient.spec`: the same outbound policy, limits and User-Agent) that all its fetches
share, so the per-host limits hold across them, and the two clients hand each other the
hosts' spacing (`HttpClient.host_times`).

Nothing is lost when the helper fails: a job it cannot be sent, raises on, or dies in is
fetched again in the caller's process (a fetch stores nothing, so fetching twice is safe).
A dead helper is started again (at most once a minute); until it is ready, sources are
fetched in the caller's process as before.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from classifiers.text.language import load_identifier, model_cache_dir, use_model_cache
from monitor.core.logging import configure_logging
from monitor.flows.fetching import Fetched, fetch_run
from monitor.regions.matcher import default_matcher
from monitor.sources import service
from monitor.sources.http import ClientSpec, HttpClient

log = logging.getLogger(__name__)

# Why 4: the collectors fetched with 4 threads when each thread also stored; more sources
# in flight only hold more fetched pages in memory while the store is the slower side.
IN_FLIGHT = 4


class Job:
    """A source handed to the helper: its fetch starts at once, its result is asked for once."""

    def __init__(self, pool: ProcessPoolExecutor, key: int, begun: Future[None]) -> None:
        self.pool, self._key, self._begun = pool, key, begun
        self._result: Future[tuple[Fetched, dict[str, float]]] | None = None
        self._lock = threading.Lock()

    def result(self) -> tuple[Fetched, dict[str, float]]:
        """Wait for the fetched source and the helper's host spacing (raises if it failed)."""
        with self._lock:  # the store and the read-ahead thread may both ask
            if self._result is None:
                # Why a second call: the helper answers calls in order, so asking only when
                # the caller needs this source leaves the later ones fetching meanwhile.
                self._result = self.pool.submit(_collect, self._key)
        self._begun.result()
        return self._result.result()

    def drop(self) -> None:
        """Tell the helper that nobody will ask for this result (free what it holds)."""
        with self._lock:
            if self._result is not None:
                return
            self._result = Future()
            self._result.set_exception(RuntimeError("dropped"))
        # A pool that is gone holds nothing to free.
        with contextlib.suppress(Exception):
            self.pool.submit(_discard, self._key)


class FetchHelper:
    """One long-lived helper process that fetches and prepares sources handed to it."""

    def __init__(self, log_level: str = "INFO", log_format: str = "kv") -> None:
        self._logging = (log_level, log_format)
        self._pool: ProcessPoolExecutor | None = None
        self._ready: Future[int] | None = None
        self._failed_at: float | None = None
        self._lock = threading.Lock()
        self._keys = 0
        # Why a pause before a restart: a page that kills the helper would otherwise cost
        # a process start on every tick (the caller fetches meanwhile, as before).
        self.restart_after = 60.0

    def start(self) -> None:
        """Start the process unless it runs (or died less than `restart_after` ago)."""
        with self._lock:
            if self._pool is not None:
                return
            failed = self._failed_at
            if failed is not None and time.monotonic() - failed < self.restart_after:
                return
            pool = ProcessPoolExecutor(
                1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start,
                initargs=(model_cache_dir(), *self._logging),
            )
            self._pool = pool
            self._ready = pool.submit(os.getpid)  # done once the process has loaded

    def ready(self) -> bool:
        """Tell whether the process has started and loaded what a fetch needs."""
        ready = self._ready
        if ready is None or not ready.done():
            return False
        if ready.exception() is not None:
            self._fail(ready)
            return False
        return True

    def wait_ready(self, timeout: float) -> bool:
        """Start the process if needed and wait until it is ready (False: not in time)."""
        self.start()
        ready = self._ready
        if ready is None:
            return False
        wait([ready], timeout)
        return self.ready()

    def pid(self) -> int | None:
        """Return the process id once ready."""
        return self._ready.result() if self._ready is not None and self.ready() else None

    def submit(self, claimed: service.Claimed, client: HttpClient) -> Job | None:
        """Hand a source's fetch to the helper if it is ready; None: the caller fetches it."""
        self.start()
        pool = self._pool
        if pool is None or not self.ready():
            return None
        with self._lock:
            self._keys += 1
            key = self._keys
        try:
            begun = pool.submit(_begin, key, claimed, client.spec, client.host_times())
            return Job(pool, key, begun)
        except Exception:  # a pool that broke since it was ready
            log.warning("fetch helper unavailable; fetching in process", exc_info=True)
            self._fail(None, pool)
            return None

    def take(self, job: Job | None, claimed: service.Claimed, client: HttpClient) -> Fetched:
        """Return the helper's fetch of `claimed`, or fetch it here if there is none."""
        if job is not None:
            try:
                fetched, times = job.result()
            except Exception as exc:  # raised there, died, or could not be sent
                log.warning(
                    "fetch helper failed; fetching in process",
                    extra={"source": claimed.name, "error": f"{type(exc).__name__}: {exc}"},
                )
                if isinstance(exc, BrokenProcessPool):
                    self._fail(None, job.pool)
            else:
                client.keep_spacing(times)
                return fetched
        return fetch_run(claimed, client, prepare=True)

    def close(self) -> None:
        """Stop the process (the next `start` begins a new one)."""
        with self._lock:
            pool, self._pool, self._ready = self._pool, None, None
            self._failed_at = None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _fail(self, ready: Future[int] | None, pool: ProcessPoolExecutor | None = None) -> None:
        with self._lock:
            if ready is not None and ready is not self._ready:
                return  # already replaced
            if pool is not None and pool is not self._pool:
                return  # a job of a process already replaced: the new one is not at fault
            pool, self._pool, self._ready = self._pool, None, None
            self._failed_at = time.monotonic()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


_shared: FetchHelper | None = None
_shared_lock = threading.Lock()


def shared_helper(log_level: str = "INFO", log_format: str = "kv") -> FetchHelper:
    """Return the process's one helper (created on first use; the process starts lazily)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = FetchHelper(log_level, log_format)
        return _shared


# In the helper process: the clients it fetches with (one per caller's spec, the last kept),
# the fetch threads, and the jobs begun and not yet collected.
_clients: dict[tuple[ClientSpec, object], HttpClient] = {}
_threads: ThreadPoolExecutor | None = None
_jobs: dict[int, tuple[Future[Fetched], HttpClient]] = {}
_jobs_lock = threading.Lock()
# Why a bound: a caller that failed between handing sources over and asking for them may
# never drop them; the oldest finished results go first.
_KEPT = 4 * IN_FLIGHT


def _start(cache_dir: Path | None, log_level: str, log_format: str) -> None:
    """Load what every prepare needs once, as the caller's process has it loaded."""
    _leave_with_parent()
    configure_logging(log_level, log_format)
    use_model_cache(cache_dir)
    load_identifier()
    default_matcher()  # builds the gazetteer


def _leave_with_parent() -> None:
    """End this process when its parent ends, however it ends (SIGKILL included).

    Why: the pool's job queue is a pipe this process holds at both ends, so a parent that
    dies without shutting the pool down is never seen as gone; the helper would live on.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return
    sentinel = parent.sentinel

    def watch() -> None:
        multiprocessing.connection.wait([sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _begin(key: int, claimed: service.Claimed, spec: ClientSpec, times: dict[str, float]) -> None:
    """Start fetching and preparing one source in a thread of the helper."""
    global _threads
    with _jobs_lock:
        client = _client_for(spec)
        client.keep_spacing(times)
        if _threads is None:
            _threads = ThreadPoolExecutor(IN_FLIGHT, thread_name_prefix="fetch")
        _marks.setdefault(key, _Mark())  # seen by the next job even before this one runs
        _jobs[key] = (_threads.submit(_fetch_and_prepare, key, claimed, client), client)
        _forget_oldest()


# Why a stagger: sources that answer at once are fetched one after another, as when one
# fetch was in flight (four threads sharing the GIL would finish the first source, the one
# the caller waits for, about four times later and spend CPU switching: measured, arrive21).
# The next source starts beside one only while that one mostly waits on its site: out at
# least STAGGER seconds, less than half of it on the CPU (a big page parsing is not waiting).
STAGGER = 0.25


@dataclass
class _Mark:
    started: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    at: float = 0.0
    clock: int | None = None  # its thread's CPU clock (Linux), to tell waiting from working
    cpu: float = 0.0

    def begin(self) -> None:
        """Note the start (wall and this thread's CPU) and let the next job look."""
        try:
            self.clock = time.pthread_getcpuclockid(threading.get_ident())
            self.cpu = time.clock_gettime(self.clock)
        except (AttributeError, OSError):  # no per-thread clock: judge by the wall alone
            self.clock = None
        self.at = time.monotonic()
        self.started.set()

    def waiting(self) -> bool:
        """Tell whether this job has been out STAGGER seconds, mostly waiting on its site."""
        out = time.monotonic() - self.at
        if out < STAGGER:
            return False
        if self.clock is None:
            return True
        try:
            return time.clock_gettime(self.clock) - self.cpu < out / 2
        except OSError:  # its thread is gone: it is done
            return True


_marks: dict[int, _Mark] = {}


def _fetch_and_prepare(key: int, claimed: service.Claimed, client: HttpClient) -> Fetched:
    """Fetch and prepare one source once the one before it is done or mostly waiting."""
    with _jobs_lock:
        mark, before = _marks.setdefault(key, _Mark()), _marks.get(key - 1)
    if before is not None:
        # Bounded: a job before this one that never ran must not hold it forever.
        before.started.wait(STAGGER * IN_FLIGHT)
        while before.started.is_set() and not before.waiting():
            if before.done.wait(STAGGER / 5):
                break
    mark.begin()
    try:
        return fetch_run(claimed, client, prepare=True)
    finally:
        mark.done.set()
        with _jobs_lock:
            for old in [k for k in _marks if k < key - 2 * IN_FLIGHT]:
                del _marks[old]


def _collect(key: int) -> tuple[Fetched, dict[str, float]]:
    """Wait for a begun source; return it and the hosts' spacing (KeyError: never begun)."""
    with _jobs_lock:
        job, client = _jobs.pop(key)
    return job.result(), client.host_times()


def _discard(key: int) -> None:
    """Forget a begun source nobody will collect (its fetch finishes; its result is dropped)."""
    with _jobs_lock:
        _jobs.pop(key, None)


def _client_for(spec: ClientSpec) -> HttpClient:
    """Return the helper's client for the caller's spec (called under `_jobs_lock`)."""
    # The resolver is in the key because the policy compares without it (tests pin names).
    key = (spec, spec.policy.resolver if spec.policy is not None else None)
    client = _clients.get(key)
    if client is None:
        if not _jobs:  # an older client still fetching for a begun job stays open
            for old in _clients.values():
                old.close()
            _clients.clear()
        client = _clients[key] = spec.build()
    return client


def _forget_oldest() -> None:
    """Keep at most `_KEPT` begun jobs, dropping the oldest finished ones (under the lock)."""
    for key in sorted(_jobs)[: max(0, len(_jobs) - _KEPT)]:
        if _jobs[key][0].done():
            del _jobs[key]
