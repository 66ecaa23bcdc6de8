"""What an audit event seals about a model version, and the check that it still holds.

Kept apart from `service` so that loading a model for scoring imports no training code
(scikit-learn costs every server and worker about half a second of start-up).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from monitor.audit import service as audit
from monitor.modelversions.models import ModelVersion


def sealed_fields(row: ModelVersion) -> dict[str, Any]:
    """Return the digests and thresholds an audit event records for a version."""
    card = row.card or {}
    sealed: dict[str, Any] = {
        "sha256": row.sha256,
        "thresholds": dict(card.get("thresholds") or {}),
    }
    scoring = card.get("scoring")
    if isinstance(scoring, dict):
        sealed["scoring_sha256"] = scoring.get("sha256")
    return sealed


def check_thresholds(thresholds: dict[str, Any]) -> dict[str, float]:
    """Return thresholds as floats, refusing any outside [0, 1] or not a number."""
    out: dict[str, float] = {}
    for label, value in thresholds.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"threshold for {label} is not a number: {value!r}")
        if not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"threshold for {label} is {value}, outside [0, 1]")
        out[str(label)] = float(value)
    return out


def audit_mismatch(session: Session, row: ModelVersion) -> str | None:
    """Say how a version's stored digest or thresholds differ from its audited ones, if they do.

    Versions registered before issue 13 have no sealed event and are not compared.
    """
    try:
        check_thresholds(dict((row.card or {}).get("thresholds") or {}))
    except ValueError as exc:
        return str(exc)
    sealed = None
    for event in audit.events_for(session, "model", row.version):
        if isinstance(event.after, dict) and "thresholds" in event.after:
            sealed = event.after
    if sealed is None:
        return None
    if sealed.get("sha256") != row.sha256:
        return f"model {row.version}: artifact digest differs from the audited one"
    if "scoring_sha256" in sealed and sealed["scoring_sha256"] != sealed_fields(row).get(
        "scoring_sha256"
    ):
        return f"model {row.version}: scoring file digest differs from the audited one"
    if sealed.get("thresholds") != sealed_fields(row)["thresholds"]:
        return (
            f"model {row.version}: thresholds differ from the audited ones (edited outside Waspada)"
        )
    return None
