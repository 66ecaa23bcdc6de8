"""A post as the scoring job leaves it (classified, not flagged): the re-matching tests' input."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy.orm import Session

from classifiers.contracts import LABELS
from monitor.core.base import utcnow
from monitor.posts.models import Post
from monitor.predictions.models import Prediction
from tests.support.posts import make_post

VERSION = "test-rematch"


def scored_post(db: Session, key: str, text: str, age: timedelta = timedelta(0)) -> Post:
    """Store a classified, unflagged post with its four label predictions."""
    now = utcnow()
    post = make_post(
        db,
        text,
        platform="telegram",
        external_id=key,
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        fetched_at=now - age,
        classified_at=now - age,
        model_version=VERSION,
        max_score=0.2,
        flagged=False,
        labels=[],
        priority=0.0,
    )
    for label in LABELS:
        db.add(
            Prediction(
                post_id=post.id,
                label=label,
                score=0.2,
                flagged=False,
                model_version=VERSION,
                explanation={"rules": []},
            )
        )
    db.flush()
    return post
