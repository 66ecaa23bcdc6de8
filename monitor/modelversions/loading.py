"""Loading the promoted classifier (cached per version) and making sure one exists."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from sqlalchemy.orm import Session

from classifiers.contracts import Classifier
from classifiers.data.corpus import available_datasets
from classifiers.models.artifact import load_pipeline
from classifiers.models.loaded import LoadedClassifier
from classifiers.models.train import TrainConfig, train
from monitor.core.runtime import Runtime
from monitor.core.settings import Settings
from monitor.modelversions import repository
from monitor.modelversions.models import ModelVersion
from monitor.modelversions.service import ModelFloods, audit_mismatch, promote, register

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


def default_config(settings: Settings) -> TrainConfig:
    """The configuration `ensure_default_model` trains with: small and fast if seeds only."""
    if available_datasets(settings.data_dir):
        return TrainConfig(target_precision=settings.target_precision)
    return TrainConfig.small(settings.target_precision)


def ensure_default_model(rt: Runtime) -> Classifier:
    """Return the promoted model, training and promoting the default one if none exists."""
    with rt.session() as session:
        current = load_promoted(session, rt.settings)
    if current is not None:
        return current
    config = default_config(rt.settings)
    if not config.datasets and config.datasets is not None:
        log.warning(
            "no promoted model and no fetched datasets: training the default model on the "
            "project's seeds alone (run `waspada datasets fetch` and `waspada train --promote`)"
        )
    else:
        log.info("no promoted model: training the default model")
    model = train(rt.settings.data_dir, config)
    with rt.session() as session:
        row = register(session, rt.settings.data_dir, model)
        try:
            promote(session, row.version, actor="system:default-model")
        except ModelFloods as exc:
            # A first start with no model at all cannot classify anything; the default model
            # is promoted anyway, loudly, and the override is audited with its figures.
            log.error("default model fails the flood guard; promoted anyway: %s", exc)
            promote(session, row.version, actor="system:default-model", force=True)
        version = row.version
    with rt.session() as session:
        row2 = repository.get(session, version)
        assert row2 is not None
        loaded = load_version(row2)
    log.info("default model promoted", extra={"version": version})
    return loaded


def default_model_step(rt: Runtime) -> None:
    """`waspada up` start-up step: make sure a promoted model exists."""
    ensure_default_model(rt)
