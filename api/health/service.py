"""Readiness checks: database, classifier model, scheduler heartbeat."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from monitor.core.base import utcnow
from monitor.modelversions.loading import load_version
from monitor.modelversions.models import ModelVersion
from monitor.scheduler import repository as heartbeats


def readiness(session: Session, heartbeat_max_age: timedelta) -> tuple[bool, dict[str, Any]]:
    """Run every readiness check and return (ready, per-check details)."""
    checks: dict[str, Any] = {}
    try:
        session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except SQLAlchemyError as exc:
        checks["database"] = {"ok": False, "error": type(exc).__name__}
        return False, checks

    model = session.scalar(select(ModelVersion).where(ModelVersion.is_promoted.is_(True)))
    if model is None:
        checks["model"] = {"ok": False, "error": "no promoted model"}
    else:
        checks["model"] = _model_check(session, model)

    beat = heartbeats.last_beat(session, "scheduler")
    if beat is None:
        checks["scheduler"] = {"ok": False, "error": "no heartbeat yet"}
    else:
        age = (utcnow() - beat).total_seconds()
        checks["scheduler"] = {
            "ok": age <= heartbeat_max_age.total_seconds(),
            "heartbeat_age_s": round(age, 1),
        }
    return all(c["ok"] for c in checks.values()), checks


def _model_check(session: Session, model: ModelVersion) -> dict[str, Any]:
    """Load the promoted model as scoring does and score one text (issue 13).

    A file that exists but was tampered with, or a card edited outside Waspada, fails here
    instead of reporting ok while scoring has stopped.
    """
    if not Path(model.path).exists():
        return {"ok": False, "version": model.version, "error": "model file missing"}
    try:
        loaded = load_version(model, session)
        loaded.classify(["uji kesiapan model waspada"])
    except Exception as exc:  # any failure to load or score means not ready
        return {
            "ok": False,
            "version": model.version,
            "error": f"model cannot load or score: {type(exc).__name__}: {str(exc)[:200]}",
        }
    return {"ok": True, "version": model.version}
