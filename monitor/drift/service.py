"""Drift watch: compare the last day's scores per label with the model's validation data."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from classifiers.contracts import LABELS
from classifiers.drift import ks_binned, proportions, psi, smoothed
from monitor.alerts import service as alerts
from monitor.alerts.rules import AlertDraft, window_start
from monitor.core.settings import Settings
from monitor.drift import repository

log = logging.getLogger(__name__)

RULE = "score_drift"


@dataclass(frozen=True)
class Bounds:
    """When a label counts as shifted, and how much data a day needs to be judged."""

    psi: float
    flag_rate: float
    min_posts: int
    window: timedelta

    @classmethod
    def from_settings(cls, settings: Settings) -> Bounds:
        """Bounds from WASPADA_DRIFT_* settings."""
        return cls(
            psi=settings.drift_psi_bound,
            flag_rate=settings.drift_flag_rate_bound,
            min_posts=settings.drift_min_posts,
            window=settings.drift_window,
        )


@dataclass
class LabelDrift:
    """One label's day against its validation profile."""

    label: str
    n: int
    psi: float | None = None
    ks: float | None = None
    flag_rate: float | None = None
    reference_flag_rate: float = 0.0
    shifted: bool = False
    reasons: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """Return the figures as plain JSON."""
        return {
            "label": self.label,
            "n": self.n,
            "psi": self.psi,
            "ks": self.ks,
            "flag_rate": self.flag_rate,
            "reference_flag_rate": self.reference_flag_rate,
            "shifted": self.shifted,
            "reasons": self.reasons,
        }


@dataclass
class DriftReport:
    """What one drift check measured."""

    status: str  # "measured" | "no_model" | "no_profile" | "too_few_posts"
    model_version: str | None
    since: datetime
    until: datetime
    labels: list[LabelDrift] = field(default_factory=list)
    alerts_raised: int = 0
    message: str = ""

    @property
    def shifted(self) -> list[LabelDrift]:
        """Labels beyond a bound."""
        return [d for d in self.labels if d.shifted]


def compare_label(
    label: str,
    scores: np.ndarray,
    flagged: np.ndarray,
    profile: dict[str, Any],
    bounds: Bounds,
    reference_n: int = 0,
) -> LabelDrift:
    """PSI and KS of a day's scores on the profile's bins, and the flag-rate change."""
    day = smoothed(proportions(scores, profile["edges"]), len(scores))
    ref = smoothed(profile["proportions"], reference_n or len(scores))
    out = LabelDrift(label=label, n=len(scores), reference_flag_rate=profile["flag_rate"])
    out.psi = round(psi(ref, day), 4)
    out.ks = round(ks_binned(ref, day), 4)
    # The stored flag, not score >= threshold: stored scores are rounded to 4 places.
    out.flag_rate = round(float(flagged.mean()), 4)
    if out.psi > bounds.psi:
        out.reasons.append(f"PSI {out.psi:.3f} > {bounds.psi:.3f}")
    change = out.flag_rate - out.reference_flag_rate
    if abs(change) > bounds.flag_rate:
        out.reasons.append(
            f"flag rate {out.flag_rate:.1%} vs {out.reference_flag_rate:.1%} on validation "
            f"({change:+.1%}, bound ±{bounds.flag_rate:.1%})"
        )
    out.shifted = bool(out.reasons)
    return out


def span(window: timedelta) -> str:
    """A window as people say it: "24 hours", "7 days"."""
    hours = window.total_seconds() / 3600
    if hours <= 48:
        return f"{hours:g} hours"
    return f"{hours / 24:g} days"


def measure(session: Session, bounds: Bounds, now: datetime) -> DriftReport:
    """Compare the promoted model's scores on posts of the last window with its validation."""
    since = now - bounds.window
    row = repository.promoted(session)
    if row is None:
        return DriftReport("no_model", None, since, now, message="no model is promoted")
    profile = row.card.get("validation_profile")
    if not profile:
        return DriftReport(
            "no_profile",
            row.version,
            since,
            now,
            message=f"model {row.version} has no validation profile; retrain it to watch drift",
        )
    scores = repository.scores_in_window(session, row.version, since, now)
    n = max((len(v[0]) for v in scores.values()), default=0)
    if n < bounds.min_posts:
        return DriftReport(
            "too_few_posts",
            row.version,
            since,
            now,
            message=f"{n} posts scored in the window, fewer than {bounds.min_posts}",
        )
    report = DriftReport("measured", row.version, since, now)
    for label in LABELS:
        ref = profile["labels"].get(label)
        day = scores.get(label)
        if ref is None or day is None:
            continue
        drift = compare_label(label, day[0], day[1], ref, bounds, int(profile.get("n", 0)))
        report.labels.append(drift)
    return report


def _draft(report: DriftReport, drift: LabelDrift, bounds: Bounds, now: datetime) -> AlertDraft:
    return AlertDraft(
        rule=RULE,
        region_code="",  # a national, model-wide alert
        label=drift.label,
        window_start=window_start(now, bounds.window),
        window_end=window_start(now, bounds.window) + bounds.window,
        summary=(
            f"Scores for {drift.label} from model {report.model_version} shifted against its "
            f"validation data over the last {span(bounds.window)}: {'; '.join(drift.reasons)} "
            f"({drift.n} posts). Check the sources collected, or retrain."
        ),
        payload={
            **drift.as_json(),
            "model_version": report.model_version,
            "since": report.since.isoformat(),
            "until": report.until.isoformat(),
            "bounds": {"psi": bounds.psi, "flag_rate": bounds.flag_rate},
        },
    )


def watch(session: Session, bounds: Bounds, now: datetime) -> DriftReport:
    """Measure, and raise one alert per shifted label per window (later runs update it)."""
    report = measure(session, bounds, now)
    for drift in report.shifted:
        _, new = alerts.raise_alert(session, _draft(report, drift, bounds, now), now)
        report.alerts_raised += int(new)
    return report
