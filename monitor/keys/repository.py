"""Queries on API keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from monitor.core.base import utcnow
from monitor.keys.models import ApiKey, RevokedSession


def by_prefix(session: Session, prefix: str) -> ApiKey | None:
    """Return the key with this lookup prefix, if any."""
    return session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))


def by_id(session: Session, key_id: int) -> ApiKey | None:
    """Return the key with this id, if any."""
    return session.get(ApiKey, key_id)


def all_keys(session: Session, include_revoked: bool = True) -> Sequence[ApiKey]:
    """Return keys in creation order."""
    query = select(ApiKey).order_by(ApiKey.id)
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_(None))
    return session.scalars(query).all()


def add(session: Session, key: ApiKey) -> ApiKey:
    """Store a new key and assign its id."""
    session.add(key)
    session.flush()
    return key


def revoke_session(session: Session, sid: str, expires_at: datetime) -> None:
    """Record a logged-out session until its cookie would have expired; drop stale rows."""
    session.execute(delete(RevokedSession).where(RevokedSession.expires_at < utcnow()))
    if session.get(RevokedSession, sid) is None:
        session.add(RevokedSession(sid=sid, expires_at=expires_at))
    session.flush()


def session_revoked(session: Session, sid: str) -> bool:
    """Tell whether a web session was ended by logout."""
    return session.get(RevokedSession, sid) is not None
