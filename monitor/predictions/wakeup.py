"""Wake idle scoring workers when posts arrive (PostgreSQL LISTEN; a plain wait elsewhere).

A statement trigger on `posts` (migration e7d3a9c1b5f2) sends a notice on `CHANNEL` when an
inserting transaction commits. A worker with an empty queue waits on this connection instead
of sleeping a fixed interval, so a post committed while it waits is claimed within
milliseconds; the wait's timeout stays as the fallback poll (a promotion's re-scoring, a
text that changed, a lost connection).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from sqlalchemy import Engine

log = logging.getLogger(__name__)

CHANNEL = "waspada_arrivals"
# Waits are sliced so a stop request (SIGTERM) is honoured within this many seconds.
STOP_SLICE_SECONDS = 0.5


class ArrivalListener:
    """A dedicated connection listening for arrival notices; `wait` returns on one or timeout."""

    def __init__(self, engine: Engine, stop: threading.Event) -> None:
        self._engine = engine
        self._stop = stop
        self._conn: Any = None
        self.enabled = engine.dialect.name == "postgresql"

    def _connect(self) -> Any:
        # Why a raw psycopg connection outside the pool: LISTEN needs autocommit and a
        # connection that stays ours for the process's life.
        import psycopg  # on first use: SQLite deployments never load the driver

        url = self._engine.url.set(drivername="postgresql")
        conn = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
        conn.execute(f"LISTEN {CHANNEL}")
        return conn

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds; True when posts arrived (or may have) meanwhile."""
        if not self.enabled:
            self._stop.wait(timeout)
            return False
        try:
            if self._conn is None:
                self._conn = self._connect()
                return True  # posts may have arrived before LISTEN took effect: look once
            remaining = timeout
            while remaining > 0 and not self._stop.is_set():
                step = min(remaining, STOP_SLICE_SECONDS)
                notices = list(self._conn.notifies(timeout=step, stop_after=1))
                if notices:
                    self._drain()
                    return True
                remaining -= step
            return False
        except Exception as exc:  # any driver error: fall back to polling
            log.warning(
                "arrival listener lost; polling until it reconnects",
                extra={"error": str(exc)[:200]},
            )
            self.close()
            self._stop.wait(timeout)
            return False

    def _drain(self) -> None:
        # Notices that piled up while waking are covered by the claim that follows.
        for _ in self._conn.notifies(timeout=0):
            pass

    def close(self) -> None:
        """Close the listening connection (reopened by the next wait)."""
        if self._conn is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                self._conn.close()
            self._conn = None
