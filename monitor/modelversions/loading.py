"""Loading a registered classifier version (checked against its audit, cached per version)."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from sqlalchemy.orm import Session

from classifiers.contracts import Classifier
from classifiers.models.artifact import load_pipeline
from classifiers.models.loaded import LoadedClassifier
from monitor.core.settings import Settings
from monitor.modelversions import repository
from monitor.modelversions.models import ModelVersion
from monitor.modelversions.seal import audit_mismatch

log = logging.getLogger("waspada.classifiers")

_CACHE: dict[tuple[str, str, str], LoadedClassifier] = {}
_LOCK = threading.Lock()


class ModelRefused(RuntimeError):
    """The promoted model's stored card no longer matches its audited digest or thresholds."""


def load_version(row: ModelVersion, session: Session | None = None) -> LoadedClassifier:
    """Load a registered version (sha256 and trusted types checked), cached per version.

    With a session, the card is first compared with its audited digest and thresholds.
    """
    if session is not None:
        problem = audit_mismatch(session, row)
        if problem is not None:
            raise ModelRefused(problem)
    thresholds = row.card.get("thresholds", {})
    key = (row.version, row.sha256, json.dumps(thresholds, sort_keys=True))
    with _LOCK:
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
        pipeline = load_pipeline(Path(row.path), row.sha256)
        loaded = LoadedClassifier(row.version, pipeline, thresholds)
        _CACHE.clear()  # keep one model in memory; a promotion replaces it
        _CACHE[key] = loaded
        return loaded


def load_promoted(session: Session, settings: Settings) -> Classifier | None:
    """Return the promoted model, or None when no version is promoted."""
    row = repository.promoted(session)
    return load_version(row, session) if row is not None else None
