"""One labelled text: the row every dataset, seed file and reviewer decision becomes."""

from __future__ import annotations

from dataclasses import dataclass, field

from classifiers.contracts import LABELS

UNKNOWN = -1


@dataclass
class Example:
    """One text and what is known about each label (1, 0, or UNKNOWN)."""

    text: str
    labels: dict[str, int]
    source: str
    id: str = ""
    meta: dict[str, str] = field(default_factory=dict)

    def row(self) -> list[int]:
        """Return the label vector in `LABELS` order."""
        return [self.labels.get(label, UNKNOWN) for label in LABELS]
