"""Every query on the `models` table."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.modelversions.models import ModelVersion


def get(session: Session, version: str) -> ModelVersion | None:
    """Return one registered version."""
    return session.get(ModelVersion, version)


def promoted(session: Session) -> ModelVersion | None:
    """Return the promoted version, if any."""
    return session.scalars(select(ModelVersion).where(ModelVersion.is_promoted.is_(True))).first()


def all_versions(session: Session) -> Sequence[ModelVersion]:
    """Return every version, newest first."""
    return session.scalars(
        select(ModelVersion).order_by(ModelVersion.created_at.desc(), ModelVersion.version.desc())
    ).all()


def previously_promoted(session: Session, current: str) -> ModelVersion | None:
    """Return the most recently promoted version other than `current`."""
    return session.scalars(
        select(ModelVersion)
        .where(ModelVersion.version != current, ModelVersion.promoted_at.is_not(None))
        .order_by(ModelVersion.promoted_at.desc())
    ).first()


def add(session: Session, row: ModelVersion) -> ModelVersion:
    """Insert a version row."""
    session.add(row)
    session.flush()
    return row
