"""Per-key token buckets and failed-try buckets: in the database on PostgreSQL (shared by every
API process), in memory on SQLite (one process on one machine)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine

from monitor.core.db import once_more
from monitor.core.runtime import Runtime
from monitor.keys import repository as keys_repo
from monitor.keys import service as keys

# Why: a reviewer clicking through the queue makes a few requests a second; scripts
# exporting or polling get a steady 20/s with bursts of 60 before seeing 429.
DEFAULT_RATE = 20.0
DEFAULT_BURST = 60


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per caller: `rate` tokens a second, at most `burst` saved up."""

    def __init__(self, rate: float = DEFAULT_RATE, burst: int = DEFAULT_BURST) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, who: str) -> float:
        """Spend one token; return 0 when allowed, else the seconds until one is available."""
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get(who)
            if bucket is None:
                bucket = self._buckets[who] = _Bucket(float(self.burst), now)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.rate


class SharedRateLimiter(RateLimiter):
    """The same token bucket kept in `api_rate_buckets`, so N API processes share one limit.

    Why its own short transaction, on its own pool: inside the request's transaction the
    row lock would be held until the response, serialising every request of one key; the
    pool (`Runtime.autocommit`) is AUTOCOMMIT and skips the pre-ping round trip.
    """

    def __init__(self, engine: Engine, rate: float = DEFAULT_RATE, burst: int = DEFAULT_BURST):
        super().__init__(rate, burst)
        self.engine = engine

    def take(self, who: str) -> float:
        """Spend one token; return 0 when allowed, else the seconds until one is available."""
        allowed, tokens = once_more(
            self.engine, lambda conn: keys_repo.take_token(conn, who, self.rate, self.burst)
        )
        return 0.0 if allowed else max(0.0, 1 - tokens) / self.rate

    def check_key(self, plaintext: str) -> keys.Spent | None:
        """Check a key verified before in this process and spend its token, one round trip.

        None: the fast path does not apply (see `keys.check_and_spend`).
        """
        return once_more(
            self.engine, lambda conn: keys.check_and_spend(conn, plaintext, self.rate, self.burst)
        )

    def wait_of(self, spent: keys.Spent) -> float:
        """Return 0 when the spent token was granted, else the seconds until one is."""
        return 0.0 if spent.allowed else max(0.0, 1 - spent.tokens) / self.rate


def limiter_for(rt: Runtime, rate: float, burst: int) -> RateLimiter:
    """Return the shared limiter on PostgreSQL, the in-memory one elsewhere (SQLite)."""
    if rt.engine.dialect.name == "postgresql":
        return SharedRateLimiter(rt.autocommit(), rate, burst)
    return RateLimiter(rate, burst)


class FailureLimiter:
    """Buckets spent only by failed authentications, checked before any key is hashed.

    Why separate from RateLimiter: that one is keyed by the caller a valid key names, so an
    invalid key never reached it and each guess cost a full scrypt hash (issue 13).
    """

    _MAX_BUCKETS = 50_000

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def _level(self, who: str, now: float) -> _Bucket:
        bucket = self._buckets.get(who)
        if bucket is None:
            if len(self._buckets) >= self._MAX_BUCKETS:
                # Keep memory bounded under a spray of addresses: drop the refilled buckets.
                full = [k for k, b in self._buckets.items() if b.tokens >= self.burst]
                for k in full or list(self._buckets):
                    del self._buckets[k]
            bucket = self._buckets[who] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        return bucket

    def wait(self, tags: list[str]) -> float:
        """Return 0 when every tag may try again, else the seconds until all can."""
        now = time.monotonic()
        with self._lock:
            levels = [self._level(t, now).tokens for t in tags]
        waits = [(1 - level) / self.rate for level in levels if level < 1]
        return max(waits, default=0.0)

    def fail(self, tags: list[str]) -> None:
        """Record one failed authentication against every tag."""
        now = time.monotonic()
        with self._lock:
            for tag in tags:
                bucket = self._level(tag, now)
                bucket.tokens = max(0.0, bucket.tokens - 1)


class SharedFailureLimiter(FailureLimiter):
    """The failed-authentication buckets in `api_rate_buckets` (PostgreSQL), shared by every
    API process, so N workers do not give a guesser N times the budget.

    Tags are stored as `fail:<tag>`, apart from the per-key request buckets.
    """

    def __init__(self, engine: Engine, rate: float, burst: int) -> None:
        super().__init__(rate, burst)
        self.engine = engine

    def wait(self, tags: list[str]) -> float:
        """Return 0 when every tag may try again, else the seconds until all can."""
        names = [f"fail:{t}" for t in tags]
        levels = once_more(
            self.engine, lambda conn: keys_repo.bucket_levels(conn, names, self.rate, self.burst)
        )
        waits = [(1 - level) / self.rate for level in levels.values() if level < 1]
        return max(waits, default=0.0)

    def fail(self, tags: list[str]) -> None:
        """Record one failed authentication against every tag."""
        names = [f"fail:{t}" for t in tags]
        once_more(
            self.engine, lambda conn: keys_repo.spend_tokens(conn, names, self.rate, self.burst)
        )


def failure_limiter_for(rt: Runtime, rate: float, burst: int) -> FailureLimiter:
    """Return the shared failure limiter on PostgreSQL, the in-memory one elsewhere (SQLite)."""
    if rt.engine.dialect.name == "postgresql":
        return SharedFailureLimiter(rt.autocommit(), rate, burst)
    return FailureLimiter(rate, burst)
