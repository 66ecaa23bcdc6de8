"""Progress of long jobs (training, dataset fetch): the library reports, the edge shows it.

Why a protocol here: `classifiers/` is a pure library used from notebooks and the CLI; it
must not decide between a terminal bar and log lines. `monitor.core.progress` provides both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Progress(Protocol):
    """Receives the stages of a long job and how far each has got."""

    def begin(self, stage: str, total: float | None = None, unit: str = "langkah") -> None:
        """Start a stage (total None: unknown length)."""

    def advance(self, amount: float = 1) -> None:
        """Move the current stage forward."""

    def end(self) -> None:
        """Finish the current stage."""


class Silent:
    """Progress that shows nothing (the default for library calls)."""

    def begin(self, stage: str, total: float | None = None, unit: str = "langkah") -> None:
        """Ignore the stage."""

    def advance(self, amount: float = 1) -> None:
        """Ignore the advance."""

    def end(self) -> None:
        """Ignore the end."""


SILENT = Silent()


@contextmanager
def stage(
    progress: Progress, name: str, total: float | None = None, unit: str = "langkah"
) -> Iterator[Progress]:
    """Run a block as one stage; the stage ends even when the block raises."""
    progress.begin(name, total, unit)
    try:
        yield progress
    finally:
        progress.end()
