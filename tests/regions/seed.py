"""Small builders for region and alert tests: sources and posts tagged through the hook."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from monitor.core.base import utcnow
from monitor.posts.models import Post
from monitor.posts.regiontags import tag_posts
from monitor.regions.service import load_regions
from monitor.sources.models import Source
from tests.support.posts import make_post


def load(session: Session) -> None:
    """Load provinces and kabupaten/kota (kecamatan skipped to keep tests quick)."""
    load_regions(session, with_districts=False)


def source(session: Session, name: str, region: str | None = None) -> Source:
    """Add a source, optionally with a default region."""
    src = Source(
        name=name, kind="rss", url=f"https://example.org/{name}", default_region_code=region
    )
    session.add(src)
    session.flush()
    return src


def post(
    session: Session,
    text: str,
    *,
    src: Source | None = None,
    flagged: bool = False,
    labels: Sequence[str] = (),
    status: str = "new",
    at: datetime | None = None,
    cluster_id: int | None = None,
    tag: bool = True,
) -> Post:
    """Add a post and tag its regions as arrival does (`tag=False`: the caller tags a batch)."""
    p = make_post(
        session,
        text,
        source_id=src.id if src else None,
        platform="test",
        fetched_at=at or utcnow(),
        published_at=at,
        flagged=flagged,
        labels=list(labels),
        review_status=status,
        cluster_id=cluster_id,
    )
    if tag:
        tag_posts(session, [p])
    return p
