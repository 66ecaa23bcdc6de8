"""Narrative clusters: near-copies of one message across sources and accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from monitor.core.base import Base, JSONType, utcnow


class Cluster(Base):
    """A group of near-duplicate posts with spread statistics."""

    __tablename__ = "clusters"

    id: Mapped[int] = mapped_column(primary_key=True)
    representative_post_id: Mapped[int | None] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer, default=0)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    n_sources: Mapped[int] = mapped_column(Integer, default=0)
    n_accounts: Mapped[int] = mapped_column(Integer, default=0)
    n_regions: Mapped[int] = mapped_column(Integer, default=0)
    growth_rate: Mapped[float] = mapped_column(Float, default=0.0)  # copies per hour
    # A cluster-wide decision that later copies inherit (reversible; see reviews).
    decision: Mapped[str | None] = mapped_column(String(20))
    decision_review_id: Mapped[int | None] = mapped_column(Integer)
    signature: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
