"""Promotion with guards: refused if the model floods ordinary content or precision drops."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from classifiers.data.corpus import Example
from classifiers.models.loaded import LoadedClassifier
from classifiers.research.compare import Row, comparison
from classifiers.research.data import SnapshotMismatch
from monitor.audit import service as audit
from monitor.modelversions import repository, service
from monitor.modelversions.loading import load_version
from monitor.research.data import rebuild

# A float difference of 0.02 can come out as 0.020000000000000018; that is not "more than".
_TOLERANCE = 1e-9
# Below this many held-out positives a label's precision is noise (one item moves it by
# 0.2 or more): its drop is reported but does not block a promotion.
MIN_POSITIVES = 5


class PromotionRefused(Exception):
    """Promoting this version would cut a label's precision by more than the allowed margin."""

    def __init__(self, message: str, check: PromotionCheck | None = None) -> None:
        super().__init__(message)
        self.check = check  # the comparison it was judged on (None: it could not be compared)


class ModelFloods(PromotionRefused):
    """The version flags too much ordinary content (held-out news, hard negatives) to promote."""


@dataclass
class PromotionCheck:
    """The comparison a promotion was judged on."""

    candidate: str
    current: str | None
    max_drop: float
    n: int = 0
    rows: list[Row] = field(default_factory=list)
    drops: list[Row] = field(default_factory=list)
    unjudged: list[Row] = field(default_factory=list)  # drops on labels with too few positives

    @property
    def ok(self) -> bool:
        """Tell whether no label's precision drops by more than the margin."""
        return not self.drops

    def message(self) -> str:
        """Explain the verdict in one paragraph."""
        if self.current is None:
            return f"{self.candidate}: no model is promoted yet; nothing to compare with"
        note = ""
        if self.unjudged:
            labels = ", ".join(f"{r['label']} ({r['positives']})" for r in self.unjudged)
            note = f"; not judged, too few held-out positives: {labels}"
        if self.ok:
            return (
                f"{self.candidate} keeps every label's precision within {self.max_drop:.3f} "
                f"of {self.current} on {self.n} held-out rows{note}"
            )
        parts = [
            f"{r['label']} {r['precision_a']:.3f} ({r['flagged_a']} flagged) -> "
            f"{r['precision_b']:.3f} ({r['flagged_b']} flagged), {r['precision_delta']:+.3f}"
            for r in self.drops
        ]
        return (
            f"refusing to promote {self.candidate}: precision at threshold would drop by more "
            f"than {self.max_drop:.3f} against the promoted {self.current} for "
            f"{'; '.join(parts)} (same {self.n} held-out rows of {self.candidate}'s snapshot). "
            "Improve the model, or promote with force=True / --force if the drop is intended "
            f"(the override is audited){note}"
        )


def precision_drops(rows: Sequence[Row], max_drop: float) -> list[Row]:
    """Comparison rows whose precision falls by more than `max_drop` (b against a)."""
    return [r for r in rows if r["precision_a"] - r["precision_b"] > max_drop + _TOLERANCE]


def _split_support(rows: Sequence[Row], min_positives: int) -> tuple[list[Row], list[Row]]:
    judged = [r for r in rows if r["positives"] >= min_positives]
    return judged, [r for r in rows if r["positives"] < min_positives]


def check(
    current: LoadedClassifier,
    candidate: LoadedClassifier,
    examples: Sequence[Example],
    max_drop: float,
    min_positives: int = MIN_POSITIVES,
) -> PromotionCheck:
    """Compare two loaded versions on the same rows and list the labels that drop too far."""
    if max_drop < 0:
        raise ValueError(f"max_drop must be >= 0, got {max_drop}")
    rows = comparison(current, candidate, examples)
    judged, thin = _split_support(rows, min_positives)
    return PromotionCheck(
        candidate=candidate.version,
        current=current.version,
        max_drop=max_drop,
        n=len(examples),
        rows=rows,
        drops=precision_drops(judged, max_drop),
        unjudged=precision_drops(thin, max_drop),
    )


def check_promotion(
    session: Session,
    data_dir: Path,
    version: str,
    max_drop: float,
    min_positives: int = MIN_POSITIVES,
) -> PromotionCheck:
    """Judge `version` against the promoted one on `version`'s own held-out rows."""
    row = repository.get(session, version)
    if row is None:
        raise service.ModelNotFound(f"no model version {version!r}")
    current = repository.promoted(session)
    if current is None or current.version == version:
        return PromotionCheck(candidate=version, current=None, max_drop=max_drop)
    try:
        splits = rebuild(session, data_dir, row.card)
    except SnapshotMismatch as exc:
        raise PromotionRefused(
            f"refusing to promote {version}: cannot rebuild its held-out data to compare "
            f"with {current.version}: {exc}"
        ) from None
    return check(load_version(current), load_version(row), splits.test, max_drop, min_positives)


def promote(
    session: Session,
    data_dir: Path,
    version: str,
    max_drop: float | None,
    *,
    actor: str = "researcher",
    force: bool = False,
    min_positives: int = MIN_POSITIVES,
) -> PromotionCheck:
    """Promote `version` (exactly one version is promoted), audited, unless a guard refuses.

    The flood guard first (`ModelFloods`: its card shows it flags more than 5 % of held-out
    news or 10 % of hard negatives); then, unless `max_drop` is None, no label's precision may
    drop by more than `max_drop` against the promoted version. `force` overrides both, audited.
    """
    row = repository.get(session, version)
    if row is None:
        raise service.ModelNotFound(f"no model version {version!r}")
    # The flood guard first: a model that floods the queue is refused whatever its precision.
    problems, _ = service.flood_check(row)
    if problems and not force:
        raise ModelFloods(service.flood_message(version, problems))
    forced = bool(problems)
    current = repository.promoted(session)
    if max_drop is None:
        # No comparison asked for (the default model, a first promotion): the flood guard and
        # safe loading still apply.
        verdict = PromotionCheck(version, current.version if current else None, 0.0)
    else:
        try:
            verdict = check_promotion(session, data_dir, version, max_drop, min_positives)
        except PromotionRefused:
            if not force:
                raise
            verdict = PromotionCheck(version, current.version if current else None, max_drop)
            forced = True
    if not verdict.ok:
        if not force:
            raise PromotionRefused(verdict.message(), verdict)
        forced = True
    load_version(row)  # never promote a file that does not load safely (raises UnsafeModel)
    service.mark_promoted(session, row, actor, flood_override=problems or None)
    if max_drop is not None:
        audit.record(
            session,
            actor=actor,
            action="model.promotion_check",
            entity_type="model",
            entity_id=version,
            before={"promoted": verdict.current},
            after={
                "forced": forced,
                "max_drop": max_drop,
                "n": verdict.n,
                "precision": {
                    r["label"]: [r["precision_a"], r["precision_b"]] for r in verdict.rows
                },
            },
        )
    return verdict
