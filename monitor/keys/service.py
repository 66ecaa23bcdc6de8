"""Create, verify and revoke API keys; plaintext is shown once and only its hash is stored."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from monitor.audit import service as audit
from monitor.core.base import utcnow
from monitor.keys import hashing, repository
from monitor.keys.models import ApiKey
from monitor.keys.principal import ROLES, SYSTEM, Principal

# Kemendagri codes: province 2 digits, then regency, district (2 digits) and village (4).
REGION_CODE = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
_LAST_USED_EVERY = timedelta(minutes=1)
_CACHE_MAX = 10_000


class KeyRequestError(ValueError):
    """Invalid key parameters; the message says which and why."""


class _VerifiedCache:
    """Remember which plaintext matched which stored hash, so scrypt runs once per key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hashes: dict[str, str] = {}

    def matches(self, fp: str, key_hash: str) -> bool:
        with self._lock:
            return self._hashes.get(fp) == key_hash

    def remember(self, fp: str, key_hash: str) -> None:
        with self._lock:
            if len(self._hashes) >= _CACHE_MAX:
                self._hashes.clear()
            self._hashes[fp] = key_hash

    def known(self, fp: str) -> bool:
        with self._lock:
            return fp in self._hashes

    def hash_of(self, fp: str) -> str | None:
        with self._lock:
            return self._hashes.get(fp)

    def forget_hash(self, key_hash: str) -> None:
        with self._lock:
            for fp in [f for f, h in self._hashes.items() if h == key_hash]:
                del self._hashes[fp]

    def clear(self) -> None:
        with self._lock:
            self._hashes.clear()


# Why: the cache only skips the hash; every request still reads the key row, so a key
# revoked or expired in another process is refused on its next use.
_cache = _VerifiedCache()


def validate_regions(role: str, regions: Sequence[str]) -> tuple[str, ...]:
    """Check region codes and the role's scope rules; return them normalised and sorted."""
    codes = tuple(sorted({r.strip() for r in regions if r.strip()}))
    bad = [c for c in codes if not REGION_CODE.match(c)]
    if bad:
        raise KeyRequestError(
            f"invalid region code(s) {', '.join(repr(b[:30]) for b in bad)}; "
            "use Kemendagri codes such as 31 or 31.71"
        )
    if role == "liaison" and not codes:
        raise KeyRequestError("a liaison key needs at least one --region")
    return codes


def create_key(
    session: Session,
    name: str,
    role: str,
    regions: Sequence[str] = (),
    expires_at: datetime | None = None,
    actor: Principal = SYSTEM,
) -> tuple[ApiKey, str]:
    """Create a key; return the row and the plaintext, which is never stored or shown again."""
    name = name.strip()
    if not 1 <= len(name) <= 200 or any(ord(ch) < 32 for ch in name):
        raise KeyRequestError("name must be 1-200 printable characters")
    if role not in ROLES:
        raise KeyRequestError(f"unknown role {role[:40]!r}; choose one of {', '.join(ROLES)}")
    codes = validate_regions(role, regions)
    if expires_at is not None:
        if expires_at.tzinfo is None:
            raise KeyRequestError("expires_at must be timezone-aware")
        if expires_at <= utcnow():
            raise KeyRequestError("expires_at is in the past")
    prefix, plaintext = hashing.new_plaintext()
    key = repository.add(
        session,
        ApiKey(
            name=name,
            prefix=prefix,
            key_hash=hashing.hash_secret(plaintext),
            role=role,
            regions=list(codes),
            created_at=utcnow(),
            expires_at=expires_at,
        ),
    )
    audit.record(
        session,
        actor=actor.actor,
        action="key.create",
        entity_type="api_key",
        entity_id=str(key.id),
        before=None,
        after=describe(key),
    )
    return key, plaintext


def prefix_of(plaintext: str) -> str | None:
    """Return a well-formed key's lookup prefix (cheap: a regex, no hashing)."""
    return hashing.parse(plaintext)


def known_good(plaintext: str) -> bool:
    """Tell whether this exact key already passed scrypt in this process (cheap)."""
    return _cache.known(hashing.fingerprint(plaintext))


def verify_key(session: Session, plaintext: str) -> Principal | None:
    """Return the caller for a valid, unexpired, unrevoked key, else None."""
    prefix = hashing.parse(plaintext)
    if prefix is None:
        return None
    key = repository.auth_row(session, prefix)
    if key is None:
        return None
    fp = hashing.fingerprint(plaintext)
    if not _cache.matches(fp, key.key_hash):
        if not hashing.check_secret(plaintext, key.key_hash):
            return None
        _cache.remember(fp, key.key_hash)
    now = utcnow()
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        return None
    if key.last_used_at is None or now - key.last_used_at > _LAST_USED_EVERY:
        _touch(session, key.id, now)
    return principal_of(key)


@dataclass(frozen=True)
class Spent:
    """A key checked and a token spent in one round trip (`check_and_spend`)."""

    principal: Principal | None  # None: revoked or expired (no token spent)
    allowed: bool = False
    tokens: float = 0.0


def check_and_spend(conn: Connection, plaintext: str, rate: float, burst: int) -> Spent | None:
    """Check a key this process verified before and spend one of its tokens, one statement.

    Returns None when the fast path does not apply (a key not yet verified here, an unknown
    prefix, a changed hash): the caller then runs `verify_key` and takes a token apart.
    The row is read fresh, so a revocation or expiry counts on the very next request.
    """
    prefix = hashing.parse(plaintext)
    if prefix is None:
        return None
    key_hash = _cache.hash_of(hashing.fingerprint(plaintext))
    if key_hash is None:
        return None
    row = repository.auth_and_take(conn, prefix, key_hash, rate, burst)
    if row is None or row.key_hash != key_hash:
        return None
    if row.allowed is None:
        # Not live in the database's eyes (revoked, or expired by its clock).
        return Spent(None)
    now = utcnow()
    if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= now):
        return Spent(None)
    return Spent(principal_of(row), bool(row.allowed), float(row.tokens))


def _touch(session: Session, key_id: int, now: datetime) -> None:
    """Record when a key was last used, throttled and best effort.

    Why a savepoint: many requests with one key arrive together, and on SQLite all but one
    of them fail to turn their read transaction into a write ("database is locked"). A
    bookkeeping timestamp must never fail the request; the next use records it instead.
    """
    try:
        with session.begin_nested():
            session.execute(
                update(ApiKey)
                .where(ApiKey.id == key_id)
                .values(last_used_at=now)
                .execution_options(synchronize_session=False)
            )
    except OperationalError:
        return


def principal_of(key: Any) -> Principal:
    """Return the Principal a key (ORM object or Core row) stands for."""
    return Principal(key_id=key.id, name=key.name, role=key.role, regions=tuple(key.regions or ()))


def revoke_key(session: Session, key_id: int, actor: Principal = SYSTEM) -> ApiKey:
    """Revoke a key (idempotent); raise KeyRequestError when it does not exist."""
    key = repository.by_id(session, key_id)
    if key is None:
        raise KeyRequestError(f"no key with id {key_id}")
    if key.revoked_at is None:
        before = describe(key)
        key.revoked_at = utcnow()
        session.flush()
        audit.record(
            session,
            actor=actor.actor,
            action="key.revoke",
            entity_type="api_key",
            entity_id=str(key.id),
            before=before,
            after=describe(key),
        )
    _cache.forget_hash(key.key_hash)
    return key


def list_keys(session: Session, include_revoked: bool = True) -> Sequence[ApiKey]:
    """Return every key (never their hashes' plaintext, which is not stored)."""
    return repository.all_keys(session, include_revoked)


def describe(key: ApiKey) -> dict[str, Any]:
    """Return a key's public fields (no hash) for listings and the audit trail."""
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "role": key.role,
        "regions": list(key.regions or ()),
        "created_at": key.created_at.isoformat() if key.created_at else None,
        "expires_at": key.expires_at.isoformat() if key.expires_at else None,
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
        "last_used_at": key.last_used_at.isoformat() if key.last_used_at else None,
    }


def clear_cache() -> None:
    """Forget every verified key (tests, and after bulk revocation)."""
    _cache.clear()
