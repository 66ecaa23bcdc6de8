"""Narrative clusters: near-copies of one message across sources and accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, LargeBinary, String
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


class PostSignature(Base):
    """A post's near-duplicate signature, kept while the post can still gain a copy.

    Only a post that joined no earlier message gets one (later copies are compared with the
    first copy, as a cluster's signature always was). `seen_at` is when the message last
    arrived (refreshed when a copy joins): lookups skip quiet messages and a prune drops
    their bands.
    """

    __tablename__ = "post_signatures"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    # `Signature.to_bytes`: a lookup decodes thousands a page, JSON cost more than comparing.
    packed: Mapped[bytes] = mapped_column(LargeBinary)
    seen_at: Mapped[datetime] = mapped_column(index=True)


class PostBand(Base):
    """One LSH band of a first copy's signature: the hot index that finds it for a copy.

    Just its key (16 rows a first copy): WITHOUT ROWID on SQLite, so a row costs one B-tree
    entry plus the post_id index that prunes and cascades use.
    """

    __tablename__ = "post_bands"
    __table_args__ = ({"sqlite_with_rowid": False},)

    band_key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True, index=True
    )
