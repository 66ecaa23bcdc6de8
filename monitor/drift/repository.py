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
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """(scores, flagged) per label that `version` gave posts collected in [since, until)."""
    stmt = (
        select(Prediction.label, Prediction.score, Prediction.flagged)
        .join(Post, Post.id == Prediction.post_id)
        .where(
            Prediction.model_version == version,
            Post.fetched_at >= since,
            Post.fetched_at < until,
        )
        .execution_options(yield_per=5000)  # a busy day is ~10^5 rows per label: stream them
    )
    scores: dict[str, list[float]] = {}
    flags: dict[str, list[bool]] = {}
    for label, score, flagged in session.execute(stmt):
        scores.setdefault(label, []).append(float(score))
        flags.setdefault(label, []).append(bool(flagged))
    return {
        label: (np.asarray(values, dtype=float), np.asarray(flags[label], dtype=bool))
        for label, values in scores.items()
    }
