"""Find the promoted classifier and the fact-check matcher, whichever packages provide them.

The classifier and fact-check packages are developed separately; importing them lazily keeps
collection and ingest working (posts simply stay unscored) when either is absent.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from sqlalchemy.orm import Session

from classifiers.contracts import Classifier, Matcher
from monitor.core.settings import Settings

log = logging.getLogger(__name__)


def _function(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError as exc:
        log.debug("optional module unavailable", extra={"module": module, "error": str(exc)})
        return None


def load_classifier(session: Session, settings: Settings) -> Classifier | None:
    """Return the promoted classifier, or None when none is promoted (or none can load)."""
    load = _function("monitor.modelversions.loading", "load_promoted")
    if load is None:
        return None
    classifier: Classifier | None = load(session, settings)
    return classifier


def load_matcher(session: Session) -> Matcher | None:
    """Return the fact-check matcher, or None when there is none yet."""
    load = _function("monitor.factchecks.service", "load_matcher")
    if load is None:
        return None
    matcher: Matcher | None = load(session)
    return matcher
