"""Kemendagri administrative regions and imported vulnerability (IKP) scores."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from monitor.core.base import Base, utcnow


class Region(Base):
    """A province, kabupaten/kota or kecamatan, keyed by its dotted Kemendagri code."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))  # province | regency | city | district
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("regions.code", ondelete="CASCADE"), index=True
    )


class IkpScore(Base):
    """Bawaslu's Indeks Kerawanan Pemilu score for a region, as imported."""

    __tablename__ = "ikp_scores"

    region_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
