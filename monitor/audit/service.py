"""The audit trail: append hash-chained events and verify that none was altered."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from monitor.audit import repository
from monitor.audit.models import AuditEvent
from monitor.core.base import utcnow

GENESIS = "0" * 64


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of checking the chain; names the first broken event when there is one."""

    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str | None = None


def _plain(value: dict[str, Any] | None) -> dict[str, Any] | None:
    # Why: store exactly what is hashed; JSON round-trip turns datetimes etc. into strings
    # and makes the value identical whether JSON or JSONB stores it.
    if value is None:
        return None
    result: dict[str, Any] = json.loads(json.dumps(value, default=str))
    return result


def event_hash(
    *,
    at: datetime,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    prev_hash: str,
) -> str:
    """Return sha256 over the canonical JSON of an event and its predecessor's hash."""
    body = {
        "at": at.isoformat(),
        "actor": actor,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "before": before,
        "after": after,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity_type: str,
    entity_id: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEvent:
    """Append one event to the chain (serialised across writers; flushed, not committed)."""
    repository.lock_chain(session)
    prev = repository.tip_hash(session) or GENESIS
    at = utcnow()
    before_p, after_p = _plain(before), _plain(after)
    digest = event_hash(
        at=at,
        actor=actor,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before_p,
        after=after_p,
        prev_hash=prev,
    )
    return repository.add(
        session,
        AuditEvent(
            at=at,
            actor=actor,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            before=before_p,
            after=after_p,
            prev_hash=prev,
            hash=digest,
        ),
    )


def verify(session: Session) -> VerifyResult:
    """Recompute every hash in order; report the first event whose content or link is wrong."""
    prev = GENESIS
    checked = 0
    for row in repository.iter_chain(session):
        checked += 1
        if row.prev_hash != prev:
            return VerifyResult(
                False, checked, row.id, "prev_hash does not match the previous event's hash"
            )
        expected = event_hash(
            at=row.at,
            actor=row.actor,
            action=row.action,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            before=row.before,
            after=row.after,
            prev_hash=row.prev_hash,
        )
        if expected != row.hash:
            return VerifyResult(False, checked, row.id, "content does not match its hash")
        prev = row.hash
    return VerifyResult(True, checked)


def events_for(session: Session, entity_type: str, entity_id: str) -> list[AuditEvent]:
    """Return one entity's events, oldest first."""
    return list(repository.for_entity(session, entity_type, entity_id))
