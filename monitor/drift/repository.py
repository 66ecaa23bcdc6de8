"""Every query the drift watch runs."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.modelversions.models import ModelVersion
from monitor.posts.models import Post
from monitor.predictions.models import Prediction


def promoted(session: Session) -> ModelVersion | None:
    """Return the promoted model version row."""
    return session.scalars(select(ModelVersion).where(ModelVersion.is_promoted.is_(True))).first()


def scores_in_window(
    session: Session, version: str, since: datetime, until: datetime
) -> dict[str, np.ndarray]:
    """Scores per label that `version` gave posts collected in [since, until)."""
    stmt = (
        select(Prediction.label, Prediction.score)
        .join(Post, Post.id == Prediction.post_id)
        .where(
            Prediction.model_version == version,
            Post.fetched_at >= since,
            Post.fetched_at < until,
        )
        .execution_options(yield_per=5000)  # a busy day is ~10^5 rows per label: stream them
    )
    out: dict[str, list[float]] = {}
    for label, score in session.execute(stmt):
        out.setdefault(label, []).append(float(score))
    return {label: np.asarray(values, dtype=float) for label, values in out.items()}
