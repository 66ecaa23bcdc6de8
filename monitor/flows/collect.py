"""Scheduled collection: claim due sources, fetch outside any transaction, store each run.

A fetch holds no database connection; each source's results are stored in one unit of work,
so a crash or a lost database leaves either the whole run or none of it, and the lease
expiring hands the source to the next scheduler tick.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from urllib.parse import urlsplit

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from monitor.clusters.placement import Signed
from monitor.clusters.readahead import Lookahead
from monitor.collectors.fetchers.base import FetchState
from monitor.collectors.verdicts import to_record
from monitor.core.db import transient_conflict
from monitor.core.outbound import policy_for
from monitor.core.runtime import Runtime
from monitor.core.settings import Settings
from monitor.factchecks import service as factchecks
from monitor.flows import arrival
from monitor.flows.debunks import rematch_debunks
from monitor.flows.fetch_helper import IN_FLIGHT, FetchHelper, Job, shared_helper
from monitor.flows.fetching import Fetched, fetch_run
from monitor.flows.pipeline import Committer
from monitor.posts import service as posts
from monitor.posts.schemas import PostIn
from monitor.sources import service
from monitor.sources.http import FetchError, HttpClient

log = logging.getLogger(__name__)


def worker_id() -> str:
    """Name this process in leases (host and pid, computed now so forks differ)."""
    return f"{socket.gethostname()}:{os.getpid()}"


_client: HttpClient | None = None
_client_lock = threading.Lock()


def make_client(settings: Settings) -> HttpClient:
    """Build an HTTP client from settings."""
    return HttpClient(
        user_agent=settings.user_agent,
        timeout=settings.http_timeout,
        max_bytes=settings.http_max_bytes,
        host_concurrency=settings.http_host_concurrency,
        host_interval=settings.http_host_interval,
        policy=policy_for(settings),
    )


def shared_client(settings: Settings) -> HttpClient:
    """Return the process's one HTTP client (per-host limits only work if it is shared)."""
    global _client
    with _client_lock:
        if _client is None:
            _client = make_client(settings)
        return _client


def store_run(
    session: Session,
    settings: Settings,
    claimed: service.Claimed,
    worker: str,
    items: Sequence[PostIn],
    state: FetchState,
    error: FetchError | None,
    started: datetime,
    dropped: Sequence[str] = (),
    prepared: arrival.Prepared | None = None,
    lookahead: Lookahead | None = None,
) -> service.RunReport:
    """Store a run's items via the arrival flow (or its debunks), then move the cursor."""
    report = service.RunReport(name=claimed.name, fetched=len(items) + len(dropped))
    report.drop_reasons = list(dropped)
    row = service.locked_row(session, claimed)
    if items:
        if claimed.source.is_factchecker:
            publisher = str(claimed.source.config.get("publisher") or claimed.name)
            records = {r.key: r for r in (to_record(i, publisher) for i in items)}  # one per id
            counts = factchecks.import_records(session, list(records.values()), source_id=row.id)
            report.factchecks = counts.inserted + counts.updated + counts.unchanged
            # A new debunk meets the posts already scored in the recent window at once.
            rematch_debunks(session, settings, counts.changed_ids)
        else:
            outcome = arrival.arrive(
                session,
                items,
                source_id=row.id,
                default_language=claimed.language,
                scorer=arrival.loaded_scorer(),
                prepared=prepared,
                lookahead=lookahead,
            )
            report.new = outcome.report.new
            report.updated = outcome.report.updated
            report.drop_reasons += [
                f"{items[r.index].external_id}: {'; '.join(r.errors)}"
                for r in outcome.report.rejected
            ]
            report.duplicates = outcome.report.duplicates
            report.new_hashes = [
                p.content_hash for p in outcome.new_posts if p.duplicate_of_id is None
            ]
    return service.finish_run(session, settings, row, report, state, error, started)


def collect_one(
    rt: Runtime, claimed: service.Claimed, client: HttpClient, worker: str | None = None
) -> service.RunReport:
    """Fetch one leased source and store the outcome; never raises for source problems."""
    return store_fetched(rt, claimed, fetch_run(claimed, client), worker)


def store_fetched(
    rt: Runtime,
    claimed: service.Claimed,
    fetched: Fetched,
    worker: str | None = None,
    committer: Committer | None = None,
    lookahead: Lookahead | None = None,
) -> service.RunReport:
    """Store a fetched run in one unit of work (retried on a deadlock) and log it.

    With a `committer` the unit's commit runs in its thread (`_collect_in_turn`), and the
    caller relinks copies once it committed.
    """
    worker = worker or worker_id()
    items, state, error = fetched.items, fetched.state, fetched.error
    try:
        report = _store_retrying(
            rt,
            claimed,
            worker,
            fetched,
            (items, state, error, fetched.started, fetched.dropped),
            committer,
            lookahead,
        )
    except SQLAlchemyError as exc:
        return _not_stored(rt, claimed, worker, exc, len(items))
    if report.new_hashes and not rt.settings.is_sqlite and committer is None:
        _relink(rt, report)
    log.info(
        "source collected" if report.error is None else "source failed",
        extra={
            "source": claimed.name,
            "fetched": report.fetched,
            "new": report.new,
            "updated": report.updated,
            "factchecks": report.factchecks,
            "dropped": report.dropped,
            "error": report.error,
            "seconds": round(time.monotonic() - fetched.t0, 3),
            "fetched_by": "helper" if fetched.pid != os.getpid() else "process",
        },
    )
    return report


# Why retry: parallel runs on PostgreSQL can deadlock on shared rows (a cluster's first copy,
# a priority); the loser's transaction is rolled back whole. The fetched items are still in
# hand, so storing them again at once beats dropping the run and waiting out a backoff.
STORE_ATTEMPTS = 4


def _store_retrying(
    rt: Runtime,
    claimed: service.Claimed,
    worker: str,
    fetched: Fetched,
    run: tuple[Sequence[PostIn], FetchState, FetchError | None, datetime, Sequence[str]],
    committer: Committer | None = None,
    lookahead: Lookahead | None = None,
) -> service.RunReport:
    items, state, error, started, dropped = run
    for attempt in range(1, STORE_ATTEMPTS + 1):
        try:
            with committer.unit(rt) if committer else rt.session() as s:
                return store_run(
                    s,
                    rt.settings,
                    claimed,
                    worker,
                    items,
                    state,
                    error,
                    started,
                    dropped,
                    prepared=fetched.prepared,
                    lookahead=lookahead,
                )
        except SQLAlchemyError as exc:
            if attempt == STORE_ATTEMPTS or not transient_conflict(exc):
                raise
            log.warning(
                "source run conflicted with another writer; storing it again",
                extra={"source": claimed.name, "attempt": attempt},
            )
            # Jitter: the two losers of one deadlock should not collide again in step.
            time.sleep(random.uniform(0.05, 0.25) * attempt)
    raise AssertionError("unreachable")  # the loop returns or raises


def _relink(rt: Runtime, report: service.RunReport) -> None:
    # Why after commit, and PostgreSQL only: parallel runs storing the same text each miss
    # the other's uncommitted row; SQLite has one writer, which always sees the first copy.
    try:
        with rt.session() as s:
            report.duplicates += posts.relink_copies(s, report.new_hashes)
    except SQLAlchemyError as exc:
        # The posts are stored; a missed link costs a second score, never data.
        log.warning(
            "relinking copies failed", extra={"source": report.name, "error": str(exc)[:300]}
        )


# Why a switch: on PostgreSQL, sources in turn with the next one's band rows read ahead are
# measured against parallel runs (A/B, docs/benchmarks.md, arrive20).
IN_TURN_ON_POSTGRES = True


def collect_due(
    rt: Runtime,
    client: HttpClient | None = None,
    worker: str | None = None,
    helper: FetchHelper | None = None,
) -> list[service.RunReport]:
    """Claim due sources and collect them (one after another, or in parallel threads).

    The sources after the first are fetched by `helper` (by default the process's shared
    one, `settings.collect_helper`) while the one before is stored.
    """
    worker = worker or worker_id()
    client = client or shared_client(rt.settings)
    with rt.session() as s:
        claimed = service.claim_due(s, rt.settings, worker, rt.settings.collect_batch)
    if not claimed:
        return []
    # SQLite has one writer: store in turn there. PostgreSQL takes parallel runs, but in
    # turn they do not wait on each other's first-copy locks and the next source's band
    # rows are read while one stores (`clusters/readahead.py`).
    if rt.settings.is_sqlite or IN_TURN_ON_POSTGRES or len(claimed) == 1:
        return _collect_in_turn(rt, claimed, client, worker, helper)
    with ThreadPoolExecutor(min(4, len(claimed)), thread_name_prefix="collect") as pool:
        return list(pool.map(lambda c: collect_one(rt, c, client, worker), claimed))


def _collect_in_turn(
    rt: Runtime,
    claimed: Sequence[service.Claimed],
    client: HttpClient,
    worker: str,
    helper: FetchHelper | None = None,
) -> list[service.RunReport]:
    """Collect the sources one by one; the next ones are fetched while one stores.

    Why: fetching, parsing and preparing a source (`arrival.prepare`) need no database.
    The helper process (`flows/fetch_helper.py`) fetches up to `IN_FLIGHT` sources ahead,
    several at once, so a slow remote source does not hold back the ones behind it, while
    this process stores one, on the other core; and a commit waits on the disk with the GIL
    released, so it runs in a thread (`flows/pipeline.py`). Until the helper is ready, or
    when it fails, the sources are fetched here while the commit runs. On PostgreSQL with a
    pool, the next source's band rows and candidates are read on a second connection while
    one stores, as `waspada ingest` does. One writer, in the sources' order.
    """
    if helper is None and len(claimed) > 1 and rt.settings.collect_helper:
        # One source: nothing to overlap.
        helper = shared_helper(rt.settings.log_level, rt.settings.log_format)
    reports: list[service.RunReport] = []
    jobs: dict[int, Job | None] = {}
    look = Lookahead(rt.factory) if helper is not None and _own_connections(rt) else None
    try:
        with Committer(name="collect-commit") as committer:
            for n, current in enumerate(claimed):
                if helper is None:
                    fetched = fetch_run(current, client, prepare=True)  # the one before commits
                elif n == 0:
                    # The first here: nothing stores yet, and no pickling. The helper starts
                    # the next ones meanwhile, up to one on this site, which waits for this
                    # fetch's spacing (`client.host_times`, handed over with each job).
                    _hand_over(helper, claimed, client, jobs, 1, _site(current))
                    fetched = fetch_run(current, client, prepare=True)
                    _hand_over(helper, claimed, client, jobs, 1)
                else:
                    _hand_over(helper, claimed, client, jobs, n)
                    fetched = helper.take(jobs.pop(n), current, client)
                    _hand_over(helper, claimed, client, jobs, n + 1)
                _settle(rt, committer, claimed, reports, worker, look)
                if look is not None:
                    # The read thread waits for the helper's fetch, not this thread.
                    following = jobs.get(n + 1)
                    look.following = partial(_signed_of, following) if following else None
                reports.append(store_fetched(rt, current, fetched, worker, committer, look))
            _settle(rt, committer, claimed, reports, worker, look)
    finally:
        if look is not None:
            look.close()
        for job in jobs.values():  # left only when storing raised
            if job is not None:
                job.drop()
    return reports


def _hand_over(
    helper: FetchHelper,
    claimed: Sequence[service.Claimed],
    client: HttpClient,
    jobs: dict[int, Job | None],
    n: int,
    busy_site: str | None = None,
) -> None:
    """Hand the helper sources n.. until `IN_FLIGHT` are with it (None: fetched here).

    Stops before a source on a site this process fetches meanwhile (`busy_site`) or before
    it (a source the helper did not take): two clients on one site would each keep their
    own per-host limit and spacing. It is handed over later, with this client's spacing.
    """
    here = {busy_site} if busy_site is not None else set()
    for k in range(n, min(n + IN_FLIGHT, len(claimed))):
        site = _site(claimed[k])
        if site in here:
            return
        if k not in jobs:
            jobs[k] = helper.submit(claimed[k], client)
        if jobs[k] is None:
            here.add(site)


def _site(claimed: service.Claimed) -> str:
    """Return the host a source is fetched from (its URL's, lower-cased)."""
    return urlsplit(claimed.source.url or "").netloc.lower()


def _own_connections(rt: Runtime) -> bool:
    """Return whether a second connection can read beside the unit's (PostgreSQL, a pool)."""
    # As `waspada ingest`: a factory bound to one connection has no second one, and
    # SQLite's one writer gains nothing from a reader beside it.
    return rt.engine.dialect.name == "postgresql" and isinstance(rt.factory.kw.get("bind"), Engine)


def _signed_of(job: Job) -> Mapping[tuple[str, str], Signed] | None:
    """Return the signed items of the helper's next source (None: not prepared, or failed)."""
    try:
        fetched, _ = job.result()
    except Exception:  # the store fetches it here and reads for itself
        return None
    return fetched.prepared.signed if fetched.prepared is not None else None


def _settle(
    rt: Runtime,
    committer: Committer,
    claimed: Sequence[service.Claimed],
    reports: list[service.RunReport],
    worker: str,
    look: Lookahead | None = None,
) -> None:
    """Wait for the last source's commit; if it failed, that source's run failed."""
    try:
        committer.wait()
    except SQLAlchemyError as exc:
        if look is not None:
            look.forget()  # its first copies were not stored
        source, report = claimed[len(reports) - 1], reports[-1]
        reports[-1] = _not_stored(rt, source, worker, exc, report.fetched)
        return
    if reports and reports[-1].new_hashes and not rt.settings.is_sqlite:
        # After the commit: the relink must see this run's rows (`_relink`).
        _relink(rt, reports[-1])
        reports[-1].new_hashes = []  # once


def _not_stored(
    rt: Runtime, claimed: service.Claimed, worker: str, exc: SQLAlchemyError, fetched: int
) -> service.RunReport:
    reason = f"database error while storing: {type(exc).__name__}"
    log.error("source run not stored", extra={"source": claimed.name, "error": str(exc)[:300]})
    try:
        with rt.session() as s:
            service.record_failure(s, rt.settings, claimed.id, worker, reason)
    except SQLAlchemyError:
        pass  # the lease expires on its own and another tick retries the source
    return service.RunReport(name=claimed.name, fetched=fetched, error=reason)


def run_now(rt: Runtime, name: str, client: HttpClient | None = None) -> service.RunReport:
    """Collect one source immediately, ignoring its schedule (for `waspada sources run`)."""
    with rt.session() as s:
        claimed = service.claim_one(s, rt.settings, worker_id(), name)
    return collect_one(rt, claimed, client or shared_client(rt.settings))
