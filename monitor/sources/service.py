"""Source logic: manage, claim due ones, store a run's results and reschedule.

The schedule lives in the `sources` rows: a failure backs off exponentially with jitter
(honouring Retry-After), and `source_max_failures` consecutive failures system-disable the
source with the reason kept. Services flush; the job or command commits.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from monitor.audit import service as audit
from monitor.core.base import utcnow
from monitor.core.outbound import OutboundPolicy, OutboundRefused
from monitor.core.settings import Settings
from monitor.sources import repository
from monitor.sources.fetching import FetchState, SourceConfig
from monitor.sources.http import FetchError
from monitor.sources.models import Source
from monitor.sources.schemas import SourceOut, SourceSpec

log = logging.getLogger(__name__)

_DROP_REASONS_SHOWN = 5

# Keys in Source.config that belong to Waspada, not to the fetcher.
_FILE_ENABLED = "_file_enabled"


class SourceNotFound(LookupError):
    """No source has that name."""


@dataclass(frozen=True)
class Claimed:
    """Everything a run needs from a leased source, detached from the session."""

    id: int
    name: str
    source: SourceConfig
    state: FetchState
    language: str | None


@dataclass
class RunReport:
    """The result of one collection run."""

    name: str
    new: int = 0
    updated: int = 0
    duplicates: int = 0
    factchecks: int = 0
    fetched: int = 0
    # Items refused by the fetcher or the database this run (each also logged).
    dropped: int = 0
    drop_reasons: list[str] = field(default_factory=list)
    error: str | None = None
    next_fetch_at: datetime | None = None
    disabled: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    # Texts first stored by this run: checked after commit against concurrent writers.
    new_hashes: list[str] = field(default_factory=list)


def _snapshot(row: Source) -> Claimed:
    config = {k: v for k, v in (row.config or {}).items() if not k.startswith("_")}
    return Claimed(
        id=row.id,
        name=row.name,
        source=SourceConfig(row.name, row.kind, row.url, config, row.is_factchecker),
        state=FetchState(row.etag, row.last_modified, row.cursor),
        language=config.get("language"),
    )


def claim_due(session: Session, settings: Settings, worker: str, limit: int) -> list[Claimed]:
    """Lease up to `limit` due sources to this worker."""
    now = utcnow()
    rows = repository.claim(
        session, repository.due(now), worker=worker, until=now + settings.claim_lease, limit=limit
    )
    return [_snapshot(r) for r in rows]


def claim_one(session: Session, settings: Settings, worker: str, name: str) -> Claimed:
    """Lease a source by name for an immediate run, whatever its schedule."""
    if repository.by_name(session, name) is None:
        raise SourceNotFound(name)
    now = utcnow()
    row = repository.claim_by_name(
        session, name, worker=worker, until=now + settings.claim_lease, now=now
    )
    if row is None:
        raise RuntimeError(f"source {name} is being fetched by another worker right now")
    return _snapshot(row)


def backoff(interval: int, failures: int, cap: timedelta, retry_after: float | None) -> timedelta:
    """Return the delay after `failures` consecutive failures: capped, jittered, >= Retry-After."""
    base = min(float(interval) * (2 ** max(failures - 1, 0)), cap.total_seconds())
    # Why jitter: sources that failed together (network outage) must not all retry together.
    delay = base * random.uniform(0.8, 1.2)
    if retry_after is not None:
        # Honour Retry-After (RFC 9110 §10.2.3) but never wait longer than a day for it.
        delay = max(delay, min(retry_after, 86400.0))
    return timedelta(seconds=delay)


def finish_run(
    session: Session,
    settings: Settings,
    row: Source,
    report: RunReport,
    state: FetchState,
    error: FetchError | None,
    started: datetime,
) -> RunReport:
    """Move the cursor, count the run and release the lease, in the caller's transaction."""
    report.dropped = len(report.drop_reasons)
    # The cursor moves in the same transaction as the items it covers: both or neither.
    row.etag, row.last_modified, row.cursor = state.etag, state.last_modified, state.cursor
    now = utcnow()
    row.last_fetch_at = now
    if error is None:
        _succeeded(row, now)
    else:
        _failed(row, settings, now, error.reason, error.retry_after)
        report.error = error.reason
        report.disabled = row.system_disabled
    _count(row, report, now, started)
    row.lease_owner = None
    row.lease_expires_at = None
    report.next_fetch_at = row.next_fetch_at
    session.flush()
    return report


def locked_row(session: Session, claimed: Claimed) -> Source:
    """The leased source's row, locked for this run's update."""
    row = repository.get_for_update(session, claimed.id)
    if row is None:
        raise SourceNotFound(claimed.name)
    return row


def record_failure(
    session: Session, settings: Settings, source_id: int, worker: str, reason: str
) -> None:
    """Record a failure that prevented storing anything (e.g. the database went away)."""
    row = repository.get_for_update(session, source_id)
    if row is None:
        return
    now = utcnow()
    _failed(row, settings, now, reason, None)
    stats = dict(row.stats or {})
    stats["errors"] = int(stats.get("errors", 0)) + 1
    row.stats = stats
    repository.release(session, source_id, worker)
    row.lease_owner = None
    row.lease_expires_at = None
    session.flush()


def _succeeded(row: Source, now: datetime) -> None:
    row.last_success_at = now
    row.failure_count = 0
    row.last_error = None
    # Why ±10%: spreads sources added together across the interval instead of bursting.
    row.next_fetch_at = now + timedelta(seconds=row.interval_seconds * random.uniform(0.9, 1.1))


def _failed(
    row: Source, settings: Settings, now: datetime, reason: str, retry_after: float | None
) -> None:
    row.failure_count = (row.failure_count or 0) + 1
    row.last_error = reason[:2000]
    row.next_fetch_at = now + backoff(
        row.interval_seconds, row.failure_count, settings.source_max_backoff, retry_after
    )
    if row.failure_count >= settings.source_max_failures:
        row.system_disabled = True
        row.disabled_reason = (
            f"{row.failure_count} consecutive failures; last: {reason}"[:2000]
            + " (fix it, then `waspada sources enable "
            + row.name
            + "`)"
        )
        log.warning("source system-disabled", extra={"source": row.name, "reason": reason})


def _count(row: Source, report: RunReport, now: datetime, started: datetime) -> None:
    stats = dict(row.stats or {})
    stats.update(
        last_run_at=now.isoformat(),
        last_new=report.new,
        last_updated=report.updated,
        last_duplicates=report.duplicates,
        last_factchecks=report.factchecks,
        last_duration_ms=int((now - started).total_seconds() * 1000),
        last_fetched=report.fetched,
        last_dropped=report.dropped,
        total_dropped=int(stats.get("total_dropped", 0)) + report.dropped,
        # Why kept: "ok" with a silent loss is what the source's status must never show.
        last_drop_reasons=report.drop_reasons[:_DROP_REASONS_SHOWN],
        runs=int(stats.get("runs", 0)) + 1,
        total_new=int(stats.get("total_new", 0)) + report.new,
        total_updated=int(stats.get("total_updated", 0)) + report.updated,
        total_factchecks=int(stats.get("total_factchecks", 0)) + report.factchecks,
        errors=int(stats.get("errors", 0)) + (1 if report.error else 0),
    )
    row.stats = stats


def describe(row: Source) -> SourceOut:
    """Return the public view of a source."""
    return SourceOut(
        name=row.name,
        kind=row.kind,
        url=row.url,
        enabled=row.enabled,
        system_disabled=row.system_disabled,
        disabled_reason=row.disabled_reason,
        factchecker=row.is_factchecker,
        interval_seconds=row.interval_seconds,
        next_fetch_at=row.next_fetch_at,
        last_fetch_at=row.last_fetch_at,
        last_success_at=row.last_success_at,
        failure_count=row.failure_count,
        last_error=row.last_error,
        dropped_last_run=int((row.stats or {}).get("last_dropped", 0)),
        dropped_total=int((row.stats or {}).get("total_dropped", 0)),
        stats=row.stats or {},
    )


def list_sources(session: Session) -> list[SourceOut]:
    """Return every source with its schedule state and statistics."""
    return [describe(r) for r in repository.all_sources(session)]


def _config(spec: SourceSpec) -> dict[str, Any]:
    config = dict(spec.config)
    if spec.language:
        config["language"] = spec.language
    return config


def check_address(spec: SourceSpec, policy: OutboundPolicy) -> None:
    """Refuse a source whose URL names an internal address (ValueError naming the source)."""
    try:
        policy.check_url(spec.url)
    except OutboundRefused as exc:
        raise ValueError(f"source {spec.name}: {exc}") from None


def add(session: Session, spec: SourceSpec, actor: str, *, policy: OutboundPolicy) -> Source:
    """Create a source; its first fetch is due now. Internal addresses are refused."""
    if repository.by_name(session, spec.name) is not None:
        raise ValueError(f"a source named {spec.name} already exists")
    check_address(spec, policy)
    row = repository.add(
        session,
        Source(
            name=spec.name,
            kind=spec.kind,
            url=spec.url,
            config=_config(spec),
            is_factchecker=spec.factchecker,
            default_region_code=spec.region,
            interval_seconds=spec.interval,
            enabled=spec.enabled,
            next_fetch_at=utcnow(),
            stats={},
        ),
    )
    _audit(session, actor, "source.add", row, None, spec.model_dump())
    return row


def set_enabled(session: Session, name: str, enabled: bool, actor: str, reason: str = "") -> Source:
    """Switch a source on (clearing a system disable and its failures) or off."""
    row = repository.by_name(session, name)
    if row is None:
        raise SourceNotFound(name)
    before = {"enabled": row.enabled, "system_disabled": row.system_disabled}
    row.enabled = enabled
    if enabled:
        row.system_disabled = False
        row.disabled_reason = None
        row.failure_count = 0
        row.next_fetch_at = utcnow()
    else:
        row.disabled_reason = f"disabled by {actor}" + (f": {reason}" if reason else "")
    session.flush()
    after = {"enabled": row.enabled, "system_disabled": row.system_disabled, "reason": reason}
    _audit(session, actor, "source.enable" if enabled else "source.disable", row, before, after)
    return row


def sync(
    session: Session,
    specs: Sequence[SourceSpec],
    actor: str = "sources-file",
    *,
    policy: OutboundPolicy,
) -> dict[str, int]:
    """Bring the table in line with the sources file; keeps schedule state and CLI switches.

    A file's `enabled` value is applied when the source is created and whenever the file
    changes it, so `waspada sources disable` survives restarts until the file says otherwise.
    """
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    for spec in specs:
        row = repository.by_name(session, spec.name)
        if row is None:
            row = add(session, spec, actor, policy=policy)
            row.config = {**row.config, _FILE_ENABLED: spec.enabled}
            counts["added"] += 1
            continue
        config = {**_config(spec), _FILE_ENABLED: spec.enabled}
        wanted: dict[str, Any] = {
            "kind": spec.kind,
            "url": spec.url,
            "config": config,
            "is_factchecker": spec.factchecker,
            "default_region_code": spec.region,
            "interval_seconds": spec.interval,
        }
        if (row.config or {}).get(_FILE_ENABLED) != spec.enabled:
            wanted["enabled"] = spec.enabled
        changed = {k: v for k, v in wanted.items() if getattr(row, k) != v}
        if "url" in changed:
            check_address(spec, policy)
        if changed.get("url") or changed.get("kind"):
            # A new address starts from scratch: old validators and cursors mean nothing there.
            row.etag = row.last_modified = row.cursor = None
        if not changed:
            counts["unchanged"] += 1
            continue
        before = {k: getattr(row, k) for k in changed}
        for key, value in changed.items():
            setattr(row, key, value)
        _audit(session, actor, "source.update", row, before, changed)
        counts["updated"] += 1
    session.flush()
    return counts


def _audit(
    session: Session,
    actor: str,
    action: str,
    row: Source,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        entity_type="source",
        entity_id=row.name,
        before=before,
        after=after,
    )
