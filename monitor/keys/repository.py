"""Queries on API keys."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.keys.models import ApiKey


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
