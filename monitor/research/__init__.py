"""The researchers' API, shared by the notebooks and `waspada train|evaluate|models`.

from monitor import research as R
rt = R.connect()                      # WASPADA_DATABASE_URL / WASPADA_DATA_DIR
with rt.session() as s:
    reviews = R.reviewer_examples(s)  # confirmations and dismissals, with review ids
model = R.train(rt.settings.data_dir, R.TrainConfig.small(), reviews)
with rt.session() as s:
    version = R.register(s, rt.settings.data_dir, model).version
with rt.session() as s:
    R.promote(s, rt.settings.data_dir, version, rt.settings.promotion_max_precision_drop)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from classifiers.models.loaded import LoadedClassifier
from classifiers.models.train import TrainConfig, TrainedModel, evaluate, train
from classifiers.research.compare import (
    comparison,
    comparison_by_region,
    disagreements,
    format_table,
    pr_curve,
    threshold_sweep,
)
from classifiers.research.data import SnapshotMismatch, Splits, region_of, snapshot_config
from monitor.core.runtime import Runtime, build_runtime
from monitor.core.settings import load_settings
from monitor.modelversions import repository as versions
from monitor.modelversions.loading import load_version
from monitor.modelversions.service import ModelNotFound, register
from monitor.research.data import rebuild, reviewer_examples
from monitor.research.promote import (
    ModelFloods,
    PromotionCheck,
    PromotionRefused,
    check,
    check_promotion,
    promote,
)

__all__ = [
    "LoadedClassifier",
    "ModelFloods",
    "ModelNotFound",
    "PromotionCheck",
    "PromotionRefused",
    "SnapshotMismatch",
    "Splits",
    "TrainConfig",
    "TrainedModel",
    "card",
    "check",
    "check_promotion",
    "comparison",
    "comparison_by_region",
    "connect",
    "disagreements",
    "evaluate",
    "format_table",
    "load",
    "pr_curve",
    "promote",
    "promoted",
    "rebuild",
    "region_of",
    "register",
    "reproduce",
    "reviewer_examples",
    "threshold_sweep",
    "train",
]


def connect(**overrides: Any) -> Runtime:
    """A runtime from the environment (WASPADA_DATABASE_URL, WASPADA_DATA_DIR, ...)."""
    return build_runtime(load_settings(**overrides), wait=False)


def load(session: Session, version: str) -> LoadedClassifier:
    """Load a registered version (sha256 and trusted types checked)."""
    row = versions.get(session, version)
    if row is None:
        raise ModelNotFound(f"no model version {version!r}")
    return load_version(row)


def promoted(session: Session) -> LoadedClassifier | None:
    """The promoted version, or None."""
    row = versions.promoted(session)
    return load_version(row) if row is not None else None


def card(session: Session, version: str) -> dict[str, Any]:
    """A version's model card."""
    row = versions.get(session, version)
    if row is None:
        raise ModelNotFound(f"no model version {version!r}")
    return dict(row.card)


def reproduce(session: Session, data_dir: Path, version: str) -> TrainedModel:
    """Retrain from a version's recorded snapshot (same files, review ids, seeds, config)."""
    recorded = card(session, version)
    rebuild(session, data_dir, recorded)  # refuses with SnapshotMismatch if inputs changed
    config = snapshot_config(recorded, data_dir)
    extra = reviewer_examples(session, recorded["snapshot"]["review_ids"])
    return train(data_dir, config, extra)
