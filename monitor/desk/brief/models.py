"""One scheduled brief e-mail: a subscription, a region and a period, sent at most once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from monitor.core.base import Base, utcnow


class BriefSend(Base):
    """A claim on sending one region's brief for one period to one subscription."""

    __tablename__ = "brief_sends"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "<subscription>:<region>:<local date of the scheduled hour>": the unique key is what
    # keeps several schedulers from sending the same brief twice.
    dedup_key: Mapped[str] = mapped_column(String(120), unique=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="CASCADE"), index=True
    )
    region_code: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20), default="sending")  # sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    last_error: Mapped[str | None] = mapped_column(Text)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
