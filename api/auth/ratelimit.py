"""Per-key token buckets kept in memory (one process; PostgreSQL deployments run one API)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

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
