"""Loading a version for scoring only: its scoring file, without scikit-learn or skops.

Why apart from `classifiers.service.load_version`: `waspada classify` must answer within
two seconds, and `import skops.io` alone imports every sklearn estimator (about 1.5 s CPU).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from classifiers.models.loaded import LoadedClassifier
from classifiers.models.safety import UnsafeModel
from classifiers.models.scoring_file import FORMAT, load_compiled


class ScoringRow(Protocol):
    """What loading needs of a version: a `ModelVersion` row, or its fields read elsewhere.

    Why not the row itself: `waspada classify` reads it in a child process and loads the
    model in a process that never imports SQLAlchemy (`monitor.cli.prefetch`).
    """

    @property
    def version(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def card(self) -> dict[str, Any]: ...


def scoring_info(card: dict[str, Any] | None) -> dict[str, str] | None:
    """Return the card's scoring-file record ({file, sha256, format}), None when absent."""
    info = (card or {}).get("scoring")
    if info is None:
        return None
    if not isinstance(info, dict) or not all(
        isinstance(info.get(k), str) for k in ("file", "sha256", "format")
    ):
        raise UnsafeModel("model card's scoring record is malformed; retrain with `waspada train`")
    return {k: info[k] for k in ("file", "sha256", "format")}


def load_for_scoring(row: ScoringRow) -> LoadedClassifier | None:
    """Load a version from its scoring file; None when it was registered before the format."""
    info = scoring_info(row.card)
    if info is None:
        return None
    if info["format"] != FORMAT:
        raise UnsafeModel(
            f"model {row.version} has scoring format {info['format']!r}, this version reads "
            f"{FORMAT!r}; retrain with `waspada train`"
        )
    name = info["file"]
    # Only a bare file name next to the model: a card must not point anywhere else on disk.
    if Path(name).name != name or not name:
        raise UnsafeModel(f"model {row.version}: scoring file name {name!r} is not a bare name")
    compiled = load_compiled(Path(row.path).with_name(name), info["sha256"])
    thresholds = dict((row.card or {}).get("thresholds") or {})
    return LoadedClassifier(row.version, None, thresholds, compiled=compiled)
