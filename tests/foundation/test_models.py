"""The schema enforces what the domain relies on, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.posts.models import Post
from monitor.sources.models import Source


def _post(**kw: object) -> Post:
    base: dict[str, object] = dict(platform="rss", external_id="a1", text="halo", content_hash="h")
    base.update(kw)
    return Post(**base)


def test_platform_external_id_is_unique(db: Session) -> None:
    db.add(_post())
    db.flush()
    db.add(_post(text="lain"))
    with pytest.raises(IntegrityError):
        db.flush()


def test_datetimes_come_back_aware_utc(db: Session) -> None:
    src = Source(name="s", kind="rss", url="http://127.0.0.1/feed")
    db.add(src)
    db.flush()
    when = datetime(2024, 2, 14, 6, 30, tzinfo=UTC)
    db.add(_post(source_id=src.id, published_at=when))
    db.flush()
    db.expire_all()
    got = db.query(Post).one()
    assert got.published_at == when and got.published_at.tzinfo is not None


def test_foreign_keys_are_enforced(db: Session) -> None:
    db.add(_post(source_id=999_999))
    with pytest.raises(IntegrityError):
        db.flush()


def test_naive_datetimes_are_refused(db: Session) -> None:
    db.add(_post(published_at=datetime(2024, 2, 14)))
    with pytest.raises(Exception, match="naive"):
        db.flush()
