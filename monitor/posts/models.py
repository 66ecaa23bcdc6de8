"""Collected posts and the regions they are about."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column

from monitor.core.base import Base, JSONType, utcnow


class Post(Base):
    """One public post, article or message, stored once."""

    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("platform", "external_id"),
        # Review queue keyset orderings (migration 5d1e0a7c9b21; FTS index is PostgreSQL-only).
        # They also serve what (flagged, review_status, priority) and (flagged, fetched_at)
        # did: those prefixes cost every insert and cluster join and went (a7d1c3e5f9b2).
        Index("ix_posts_flagged_priority_id", "flagged", "priority", "id"),
        Index("ix_posts_flagged_status_priority_id", "flagged", "review_status", "priority", "id"),
        Index("ix_posts_flagged_fetched_id", "flagged", "fetched_at", "id"),
        # The uncertainty mix's stream: smallest distance to a threshold first (migration
        # a3c9e5d71b42); partial, so the many posts never scored cost nothing.
        Index(
            "ix_posts_uncertainty_id",
            "uncertainty",
            "id",
            postgresql_where=sql_text("uncertainty IS NOT NULL"),
            sqlite_where=sql_text("uncertainty IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id", ondelete="SET NULL"), index=True
    )
    platform: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(Text)
    # Stored and shown, never looked up: no index to maintain per arrival (a7d1c3e5f9b2).
    canonical_url: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(500))
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(10))
    # Read only beside fetched_at (coalesce/case), so unindexed like canonical_url.
    published_at: Mapped[datetime | None]
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    # An exact-text copy from another source points at the first stored copy.
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL"), index=True
    )
    cluster_id: Mapped[int | None] = mapped_column(
        ForeignKey("clusters.id", ondelete="SET NULL"), index=True
    )
    # Classification state (denormalised from predictions for the queue's sake).
    classified_at: Mapped[datetime | None]
    model_version: Mapped[str | None] = mapped_column(String(64))
    max_score: Mapped[float | None] = mapped_column(Float)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    labels: Mapped[list[str]] = mapped_column(JSONType, default=list)
    priority: Mapped[float] = mapped_column(Float, default=0.0)
    # Review state, derived from reviews; kept here so the queue is one indexed query.
    review_status: Mapped[str] = mapped_column(String(20), default="new")
    # Distance of the closest current-version label score to its threshold, -1 when two
    # model versions disagree on a label; written at scoring time so `mix=uncertain` is
    # one indexed range instead of a scan of every prediction (None: never scored).
    uncertainty: Mapped[float | None] = mapped_column(Float)
    # Sorted province codes of the post's region tags, kept by triggers on `post_regions`
    # (PostgreSQL; NULL on SQLite): lets a region-limited page drop other provinces' posts
    # from the row it reads anyway (`scope.province_prefilter`). Deferred: never loaded.
    province_codes: Mapped[list[str] | None] = mapped_column(
        postgresql.ARRAY(String(20)).with_variant(JSON(), "sqlite"), deferred=True
    )
    # Worker lease for scoring (several workers on PostgreSQL never score a post twice).
    score_lease_owner: Mapped[str | None] = mapped_column(String(100))
    score_lease_expires_at: Mapped[datetime | None]


class PostRegion(Base):
    """A region a post is about, with the evidence for it."""

    __tablename__ = "post_regions"
    __table_args__ = (
        CheckConstraint("origin IN ('sender', 'source', 'text')", name="origin"),
        # A liaison's scope probe (post id + province) answered from the index alone.
        Index("ix_post_regions_post_province", "post_id", "province_code"),
    )

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    region_code: Mapped[str] = mapped_column(
        ForeignKey("regions.code", ondelete="CASCADE"), primary_key=True, index=True
    )
    province_code: Mapped[str] = mapped_column(String(20), index=True)
    # "sender" (declared with the post), "source" (the source's region) or "text" (matched).
    origin: Mapped[str] = mapped_column(String(20))
    evidence: Mapped[str] = mapped_column(Text)
