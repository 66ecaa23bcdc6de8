"""Keys are hashed at rest and refused once revoked or expired; the audit chain detects edits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from monitor.audit import service as audit
from monitor.audit.models import AuditEvent
from monitor.core.base import utcnow
from monitor.keys import service as keys
from monitor.keys.models import ApiKey


def test_key_is_hashed_and_verifies(db: Session) -> None:
    key, plaintext = keys.create_key(db, "patrol 1", "reviewer")
    assert plaintext.startswith("wsp_" + key.prefix + "_")
    stored = db.scalar(select(ApiKey.key_hash).where(ApiKey.id == key.id))
    assert stored and plaintext not in stored and stored.startswith("scrypt$")
    principal = keys.verify_key(db, plaintext)
    assert principal is not None and principal.role == "reviewer" and principal.key_id == key.id
    # A second verification is served by the cache and gives the same principal.
    assert keys.verify_key(db, plaintext) == principal


@pytest.mark.parametrize(
    "bad",
    ["", "wsp_", "Bearer x", "wsp_000000000000_" + "A" * 43, "' OR 1=1 --", "x" * 10_000],
)
def test_malformed_or_unknown_keys_are_refused(db: Session, bad: str) -> None:
    keys.create_key(db, "k", "admin")
    assert keys.verify_key(db, bad) is None


def test_wrong_secret_with_valid_prefix_is_refused(db: Session) -> None:
    _key, plaintext = keys.create_key(db, "k", "admin")
    forged = plaintext[:-4] + ("AAAA" if not plaintext.endswith("AAAA") else "BBBB")
    assert keys.verify_key(db, forged) is None


def test_revoked_and_expired_keys_are_refused(db: Session) -> None:
    key, plaintext = keys.create_key(db, "k", "reviewer")
    assert keys.verify_key(db, plaintext) is not None
    keys.revoke_key(db, key.id)
    assert keys.verify_key(db, plaintext) is None

    short, short_plain = keys.create_key(
        db, "short", "reviewer", expires_at=utcnow() + timedelta(hours=1)
    )
    assert keys.verify_key(db, short_plain) is not None
    # Expiry in another process (or simply time passing) is seen on the next request.
    db.execute(
        update(ApiKey).where(ApiKey.id == short.id).values(expires_at=utcnow() - timedelta(1))
    )
    db.expire_all()
    assert keys.verify_key(db, short_plain) is None


def test_revocation_in_another_session_is_seen_despite_the_cache(db: Session) -> None:
    key, plaintext = keys.create_key(db, "k", "reviewer")
    assert keys.verify_key(db, plaintext) is not None
    db.execute(update(ApiKey).where(ApiKey.id == key.id).values(revoked_at=utcnow()))
    db.expire_all()
    assert keys.verify_key(db, plaintext) is None


@pytest.mark.parametrize(
    ("role", "regions", "message"),
    [
        ("root", [], "unknown role"),
        ("liaison", [], "at least one --region"),
        ("liaison", ["31; DROP TABLE posts"], "invalid region"),
        ("liaison", ["3"], "invalid region"),
    ],
)
def test_bad_key_requests_are_explained(
    db: Session, role: str, regions: list[str], message: str
) -> None:
    with pytest.raises(keys.KeyRequestError, match=message):
        keys.create_key(db, "x", role, regions)
    with pytest.raises(keys.KeyRequestError, match="past"):
        keys.create_key(db, "x", "admin", expires_at=utcnow() - timedelta(1))


def test_key_events_are_audited_and_chain_verifies(db: Session) -> None:
    key, _ = keys.create_key(db, "k", "liaison", ["15"])
    keys.revoke_key(db, key.id)
    events = audit.events_for(db, "api_key", str(key.id))
    assert [e.action for e in events] == ["key.create", "key.revoke"]
    assert "key_hash" not in (events[0].after or {})
    result = audit.verify(db)
    assert result.ok and result.checked >= 2


def test_edited_or_deleted_event_breaks_the_chain(db: Session) -> None:
    for i in range(4):
        audit.record(
            db,
            actor="t",
            action="x",
            entity_type="post",
            entity_id=str(i),
            before=None,
            after={"n": i, "at": utcnow()},
        )
    ids = db.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
    assert audit.verify(db).ok
    db.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE id = :id"), {"id": ids[-3]})
    db.expire_all()
    result = audit.verify(db)
    assert not result.ok and result.first_broken_id == ids[-3]
    assert result.reason and "content" in result.reason


def test_deleted_middle_event_breaks_the_link(db: Session) -> None:
    for i in range(3):
        audit.record(
            db, actor="t", action="x", entity_type="post", entity_id=str(i), before=None, after=None
        )
    ids = db.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
    db.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[-2]})
    result = audit.verify(db)
    assert not result.ok and result.first_broken_id == ids[-1]
