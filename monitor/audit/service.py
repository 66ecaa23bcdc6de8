"""The audit trail: append HMAC-chained events and verify that none was altered or removed.

Each event's MAC covers its content and its predecessor's MAC, keyed with the audit key kept
outside the database (monitor.audit.keyring); signed checkpoints exported to a file
(monitor.audit.checkpoints) catch truncation and deletion of the newest events.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from monitor.audit import keyring, repository
from monitor.audit.checkpoints import Checkpoint
from monitor.audit.models import AuditEvent
from monitor.core.base import utcnow

GENESIS = "0" * 64
# 0: plain sha256 (events written before issue 13); 1: HMAC-SHA256 with the audit key.
LEGACY, KEYED = 0, 1


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
    key: bytes | None = None,
) -> str:
    """Return the event's MAC: HMAC-SHA256 with `key` (sha256 for legacy events, no key)."""
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
    if key is None:
        return hashlib.sha256(canonical.encode()).hexdigest()
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


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
        key=keyring.current(session),
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
            mac_version=KEYED,
        ),
    )


def verify(
    session: Session, key: bytes | None = None, checkpoint: Checkpoint | None = None
) -> VerifyResult:
    """Recompute every MAC in order, then compare the chain with the latest checkpoint.

    Reports the first event whose content or link is wrong; a chain shorter than the
    checkpoint, or whose event at the checkpoint's position differs, was truncated or
    rewritten. Legacy (unkeyed) events are accepted only before the first keyed one.
    """
    key = key if key is not None else keyring.current(session)
    prev = GENESIS
    checked = 0
    keyed_seen = False
    at_checkpoint: tuple[int, str] | None = None
    for row in repository.iter_chain(session):
        checked += 1
        if row.prev_hash != prev:
            return VerifyResult(
                False, checked, row.id, "prev_hash does not match the previous event's hash"
            )
        keyed = row.mac_version == KEYED
        if keyed_seen and not keyed:
            return VerifyResult(False, checked, row.id, "unkeyed event after keyed ones")
        keyed_seen = keyed_seen or keyed
        expected = event_hash(
            at=row.at,
            actor=row.actor,
            action=row.action,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            before=row.before,
            after=row.after,
            prev_hash=row.prev_hash,
            key=key if keyed else None,
        )
        if not hmac.compare_digest(expected, row.hash):
            return VerifyResult(False, checked, row.id, "content does not match its hash")
        if checkpoint is not None and checked == checkpoint.count:
            at_checkpoint = (row.id, row.hash)
        prev = row.hash
    if checkpoint is not None and checkpoint.count > 0:
        if checked < checkpoint.count:
            return VerifyResult(
                False,
                checked,
                None,
                f"{checked} events but the checkpoint of {checkpoint.at} counted "
                f"{checkpoint.count}: events were deleted",
            )
        if at_checkpoint != (checkpoint.head_id, checkpoint.head_hash):
            return VerifyResult(
                False,
                checked,
                checkpoint.head_id,
                f"the chain does not pass through the checkpoint of {checkpoint.at}: rewritten",
            )
    return VerifyResult(True, checked)


def events_for(session: Session, entity_type: str, entity_id: str) -> list[AuditEvent]:
    """Return one entity's events, oldest first."""
    return list(repository.for_entity(session, entity_type, entity_id))
