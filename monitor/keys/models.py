"""API keys, stored only as hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from monitor.core.base import Base, JSONType, utcnow


class ApiKey(Base):
    """A credential with a role and, for liaisons, region scopes."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(32), unique=True)
    key_hash: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(20))
    regions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]


class RevokedSession(Base):
    """A web session ended by logout before its cookie expires (checked on every request)."""

    __tablename__ = "revoked_sessions"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class RateBucket(Base):
    """A caller's token bucket, shared by every API process on PostgreSQL."""

    __tablename__ = "api_rate_buckets"

    actor: Mapped[str] = mapped_column(String(300), primary_key=True)
    tokens: Mapped[float]
    # Seconds since the epoch on the database server's clock: one clock for all processes.
    stamp: Mapped[float]
    allowed: Mapped[bool]
