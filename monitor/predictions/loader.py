"""Find the promoted classifier for scoring."""

from __future__ import annotations

from sqlalchemy.orm import Session

from classifiers.contracts import Classifier
from monitor.core.settings import Settings
from monitor.modelversions.loading import load_promoted


def load_classifier(session: Session, settings: Settings) -> Classifier | None:
    """Return the promoted classifier, or None when none is promoted."""
    return load_promoted(session, settings)
