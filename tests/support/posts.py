"""The one post builder of the suite: posts, scores and region tags as the product stores them."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from monitor.core.base import utcnow
from monitor.posts.models import Post, PostRegion
from monitor.predictions.models import Prediction
from monitor.regions.models import Region

_ids = itertools.count(1)

# Two provinces with one city each: enough for region scopes (Jambi in, Jakarta out).
TWO_PROVINCES = [
    ("15", "Jambi", "province", None),
    ("15.71", "Kota Jambi", "city", "15"),
    ("31", "DKI Jakarta", "province", None),
    ("31.71", "Kota Jakarta Pusat", "city", "31"),
]


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


def make_scored_post(
    session: Session,
    text: str,
    scores: Mapping[str, float],
    *,
    version: str,
    flagged: Iterable[str],
    explanations: Mapping[str, dict[str, Any]] | None = None,
    region: str | None = None,
    **columns: Any,
) -> Post:
    """Add a post as scoring stores it: one prediction per scored label and the row's summary."""
    flags = set(flagged)
    summary: dict[str, Any] = {
        "model_version": version,
        "max_score": max(scores.values()),
        "flagged": bool(flags),
        "labels": sorted(flags),
        "classified_at": utcnow(),
    }
    post = make_post(session, text, **{**summary, **columns})
    for label, score in scores.items():
        session.add(
            Prediction(
                post_id=post.id,
                label=label,
                score=score,
                flagged=label in flags,
                model_version=version,
                explanation=(explanations or {}).get(label, {}),
            )
        )
    if region is not None:
        tag_region(session, post, region)
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


def add_regions(
    session: Session, rows: Iterable[tuple[str, str, str, str | None]] = TWO_PROVINCES
) -> None:
    """Store gazetteer rows (code, name, level, parent) that are not there yet, parents first."""
    for code, name, level, parent in rows:
        if session.get(Region, code) is None:
            session.add(Region(code=code, name=name, level=level, parent_code=parent))
    session.flush()
