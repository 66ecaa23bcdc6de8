"""Alerts, subscriptions to them, and the delivery outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from monitor.core.base import Base, JSONType, utcnow
from monitor.core.secretbox import EncryptedText


class Alert(Base):
    """A rule firing for a region and label in a window (one per dedup key)."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(40))
    region_code: Mapped[str | None] = mapped_column(String(20), index=True)
    label: Mapped[str | None] = mapped_column(String(40))
    dedup_key: Mapped[str] = mapped_column(String(300), unique=True)
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    summary: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    resolved_by: Mapped[str | None] = mapped_column(String(200))


class Subscription(Base):
    """Who is told about which alerts, and through which channel."""

    __tablename__ = "subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    region_codes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    labels: Mapped[list[str]] = mapped_column(JSONType, default=list)
    rules: Mapped[list[str]] = mapped_column(JSONType, default=list)
    channel: Mapped[str] = mapped_column(String(20))  # webhook | telegram | email
    target: Mapped[str] = mapped_column(Text)  # URL, chat id or address
    # The webhook HMAC key, encrypted at rest with WASPADA_SECRETS_KEY / secrets.key.
    secret: Mapped[str | None] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(Base):
    """One alert to one subscription: an outbox row retried with backoff."""

    __tablename__ = "deliveries"
    # One outbox row per alert and subscription, whichever scheduler raised the alert.
    __table_args__ = (UniqueConstraint("alert_id", "subscription_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="pending")  # sent | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
