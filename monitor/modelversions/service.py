"""Registering, promoting and rolling back classifier versions (flush, never commit)."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from classifiers.models.artifact import save_pipeline
from classifiers.models.checks import flood_problems
from classifiers.models.compile import compile_pipeline
from classifiers.models.scoring_file import FORMAT as SCORING_FORMAT
from classifiers.models.scoring_file import save_compiled, scoring_path
from classifiers.models.train import TrainedModel
from monitor.audit import service as audit
from monitor.core.base import utcnow
from monitor.modelversions import repository
from monitor.modelversions.models import ModelVersion
from monitor.modelversions.seal import check_thresholds, sealed_fields

log = logging.getLogger("waspada.models")


class ModelNotFound(LookupError):
    """No registered version has that name."""


def flood_check(row: ModelVersion) -> tuple[list[str], dict[str, Any]]:
    """Return (reasons the version would flood the review queue, the figures judged)."""
    guard = row.card.get("metrics", {}).get("production", {}).get("guard") or {}
    return flood_problems(guard), guard


def flood_message(version: str, problems: list[str]) -> str:
    """The refusal, with the figures, in one sentence."""
    return (
        f"refusing to promote {version}: it {'; it '.join(problems)} (measured at training on "
        "data it never trained on; see `waspada models show`). Retrain, or promote with "
        "--force if intended (the override is audited)"
    )


def models_dir(data_dir: Path) -> Path:
    """Return the folder model artifacts are written to."""
    return data_dir / "models"


def new_version_name(now: datetime | None = None) -> str:
    """Return a sortable version name such as `m20260101-120000`."""
    now = now or utcnow()
    return now.strftime("m%Y%m%d-%H%M%S-%f")


def register(
    session: Session, data_dir: Path, model: TrainedModel, version: str = ""
) -> ModelVersion:
    """Save the artifact with skops, record its sha256 and card as a new version."""
    version = version or new_version_name()
    if repository.get(session, version) is not None:
        raise ValueError(f"model version {version} already exists")
    path = models_dir(data_dir) / f"{version}.skops"
    digest = save_pipeline(model.pipeline, path)
    card = {**model.card, "version": version, "sha256": digest, "thresholds": model.thresholds}
    # The scoring file: plain arrays `waspada classify` loads without sklearn or skops.
    scoring = scoring_path(path)
    card["scoring"] = {
        "file": scoring.name,
        "sha256": save_compiled(compile_pipeline(model.pipeline), scoring),
        "format": SCORING_FORMAT,
    }
    card_path = path.with_suffix(".card.json")
    card_path.write_text(json.dumps(card, indent=2, ensure_ascii=False), encoding="utf-8")
    row = ModelVersion(version=version, path=str(path), sha256=digest, card=card)
    repository.add(session, row)
    # Issue 13: the artifact's digest and thresholds go in the audit chain, so an edit of the
    # stored card (thresholds of 1.01 switch flagging off) is detected when the model loads.
    _audit(session, "system:register", "model.register", version, None, sealed_fields(row))
    return row


def set_thresholds(
    session: Session, version: str, thresholds: dict[str, float], actor: str
) -> ModelVersion:
    """Change a version's per-label operating thresholds; audited (before and after)."""
    row = repository.get(session, version)
    if row is None:
        raise ModelNotFound(f"no model version {version!r}")
    current = dict((row.card or {}).get("thresholds") or {})
    unknown = set(thresholds) - set(current)
    if unknown:
        raise ValueError(f"unknown label(s): {', '.join(sorted(unknown))}")
    new = {**current, **check_thresholds(dict(thresholds))}
    before = sealed_fields(row)
    row.card = {**row.card, "thresholds": new}
    session.flush()
    _audit(session, actor, "model.thresholds", version, before, sealed_fields(row))
    return row


def _audit(
    session: Session, actor: str, action: str, version: str, before: Any, after: Any
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        entity_type="model",
        entity_id=version,
        before=before,
        after=after,
    )


def mark_promoted(
    session: Session, row: ModelVersion, actor: str, flood_override: list[str] | None = None
) -> ModelVersion:
    """Make `row` the promoted version (exactly one is), audited.

    The guards are `monitor.research.promote.promote`'s, the one way to promote; a forced
    override of the flood guard is audited here with the figures it was judged on.
    """
    if flood_override:
        _, guard = flood_check(row)
        _audit(session, actor, "model.flood_guard_overridden", row.version, guard, flood_override)
    current = repository.promoted(session)
    before = {"promoted": current.version if current else None}
    if current is not None and current.version != row.version:
        current.is_promoted = False
        session.flush()
    row.is_promoted = True
    row.promoted_at = utcnow()
    session.flush()
    _audit(
        session,
        actor,
        "model.promote",
        row.version,
        before,
        {"promoted": row.version, **sealed_fields(row)},
    )
    return row


def rollback(session: Session, actor: str = "cli") -> ModelVersion:
    """Promote the version that was promoted before the current one."""
    current = repository.promoted(session)
    if current is None:
        raise ModelNotFound("no model is promoted; nothing to roll back")
    previous = repository.previously_promoted(session, current.version)
    if previous is None:
        raise ModelNotFound(f"{current.version} is the only version ever promoted")
    current.is_promoted = False
    session.flush()
    previous.is_promoted = True
    previous.promoted_at = utcnow()
    session.flush()
    _audit(
        session,
        actor,
        "model.rollback",
        previous.version,
        {"promoted": current.version},
        {"promoted": previous.version, **sealed_fields(previous)},
    )
    return previous
