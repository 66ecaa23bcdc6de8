"""The one post builder of the suite: a stored Post with unique identity, any column overridable."""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

from sqlalchemy.orm import Session

from monitor.core.base import utcnow
from monitor.posts.models import Post, PostRegion

_ids = itertools.count(1)


def make_post(session: Session, text: str, **columns: Any) -> Post:
    """Add and flush a post; defaults give a unique external id and content hash per call."""
    n = next(_ids)
    values: dict[str, Any] = {
        "platform": "test",
        "external_id": f"p{n}-{hashlib.md5(text.encode()).hexdigest()[:8]}",
        "content_hash": hashlib.sha256(f"{n}{text}".encode()).hexdigest(),
        "fetched_at": utcnow(),
    }
    values.update(columns)
    post = Post(text=text, **values)
    session.add(post)
    session.flush()
    return post


def tag_region(
    session: Session, post: Post, code: str, evidence: str | None = None, origin: str = "text"
) -> PostRegion:
    """Store a region tag as the arrival flow would (province from the code's prefix)."""
    tag = PostRegion(
        post_id=post.id,
        region_code=code,
        province_code=code.split(".")[0],
        origin=origin,
        evidence=code if evidence is None else evidence,
    )
    session.add(tag)
    return tag
