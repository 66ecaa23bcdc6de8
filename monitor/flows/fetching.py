"""One source's fetch, outside any transaction: the items, their arrival preparation, the outcome.

Apart from `collect.py` because it also runs in the collectors' helper process
(`flows/fetch_helper.py`), which imports no more than a fetch needs.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from datetime import datetime

from monitor.collectors.fetchers import fetcher_for
from monitor.collectors.fetchers.base import FetchState
from monitor.core.base import utcnow
from monitor.flows import arrival
from monitor.posts.schemas import PostIn
from monitor.sources import service
from monitor.sources.http import FetchError, HttpClient

log = logging.getLogger(__name__)


@dataclass
class Fetched:
    """A source run's fetch: its items (prepared for arrival when possible) and outcome."""

    state: FetchState
    items: list[PostIn] = field(default_factory=list)
    error: FetchError | None = None
    dropped: list[str] = field(default_factory=list)
    started: datetime = field(default_factory=utcnow)
    t0: float = field(default_factory=time.monotonic)
    prepared: arrival.Prepared | None = None
    pid: int = field(default_factory=os.getpid)  # the process that fetched it


def fetch_run(claimed: service.Claimed, client: HttpClient, prepare: bool = False) -> Fetched:
    """Fetch one leased source outside any transaction; never raises for source problems.

    With `prepare`, the items' arrival work that needs no database is done here too
    (`arrival.prepare`), so that it can overlap the storing of the previous source.
    """
    out = Fetched(state=claimed.state)
    try:
        fetcher = fetcher_for(claimed.source.kind, client)
        try:
            out.items, out.state = fetcher.fetch(claimed.source, claimed.state)
        finally:
            out.dropped = list(getattr(fetcher, "dropped", []))
    except FetchError as exc:
        out.error = exc
        if exc.partial is not None:
            out.items, out.state = exc.partial  # keep what arrived before the failure
    except Exception as exc:
        # A parser bug on one odd payload must cost that source a retry, not the scheduler.
        log.exception("fetcher crashed", extra={"source": claimed.name})
        out.error = FetchError(f"fetcher error: {type(exc).__name__}: {exc}")
    if prepare and out.items and not claimed.source.is_factchecker:
        try:
            out.prepared = arrival.prepare(
                out.items, source_id=claimed.id, default_language=claimed.language
            )
        except Exception:
            # Storing computes it again and meets the same fault where it always did.
            log.exception("preparing a run failed", extra={"source": claimed.name})
    return out
