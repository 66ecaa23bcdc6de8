"""Reviewer decisions from the database as training rows, and rebuilding a version's data."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from classifiers.data.corpus import Example
from classifiers.research.data import (
    SnapshotMismatch,
    Splits,
    examples_from_decisions,
    rebuild_from,
)
from monitor.research import repository


def reviewer_examples(session: Session, review_ids: Collection[int] | None = None) -> list[Example]:
    """Current confirm/dismiss decisions as rows (or exactly `review_ids`), oldest first."""
    rows = repository.decisions(session, review_ids)
    if review_ids is not None:
        missing = sorted(set(review_ids) - {r[0] for r in rows})
        if missing:
            shown = ", ".join(map(str, missing[:10]))
            raise SnapshotMismatch(
                f"{len(missing)} review id(s) of the snapshot are not in this database "
                f"(first: {shown}); point WASPADA_DATABASE_URL at the database it was trained on"
            )
    provinces = repository.provinces_of(session, {r[1] for r in rows})
    return examples_from_decisions([tuple(r) for r in rows], provinces)


def rebuild(session: Session, data_dir: Path, card: dict[str, Any]) -> Splits:
    """Re-create a version's train/validation/test rows; refuse if any input changed."""
    return rebuild_from(data_dir, card, lambda ids: reviewer_examples(session, ids))
