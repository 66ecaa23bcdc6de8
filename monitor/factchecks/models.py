"""Debunks published by fact-checkers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from monitor.core.base import Base, JSONType, utcnow


class FactCheck(Base):
    """One fact-check article: the claim it debunks and its verdict."""

    __tablename__ = "factchecks"
    __table_args__ = (UniqueConstraint("publisher", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publisher: Mapped[str] = mapped_column(String(200), default="")
    external_id: Mapped[str] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(Text)
    claim: Mapped[str | None] = mapped_column(Text)
    verdict: Mapped[str | None] = mapped_column(String(40))
    url: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    # From ClaimReview: the rating as published ("Salah: 1 (worst 1, best 5)") and where
    # the claim circulated (itemReviewed.appearance links).
    rating: Mapped[str | None] = mapped_column(String(100))
    appearances: Mapped[list[str] | None] = mapped_column(JSONType)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
