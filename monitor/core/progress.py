"""Progress shown to operators: a bar on a terminal, throttled log lines everywhere else.

Why both: `waspada train` at a terminal wants a bar; `waspada up` under systemd or Docker
writes logs, where a bar's carriage returns are noise, but minutes of silence on the first
start (the default model trains for about four minutes) look like a hang.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import IO, Any

from classifiers.progress import Progress

log = logging.getLogger("waspada.progress")


class LogProgress:
    """Log a stage's start, its progress at most every `every` seconds, and its end."""

    def __init__(self, every: float = 10.0, logger: logging.Logger = log) -> None:
        self.every = every
        self.log = logger
        self._stage = ""
        self._total: float | None = None
        self._unit = ""
        self._done = 0.0
        self._started = 0.0
        self._last = 0.0

    def begin(self, stage: str, total: float | None = None, unit: str = "langkah") -> None:
        """Log the stage's start."""
        self._stage, self._total, self._unit, self._done = stage, total, unit, 0.0
        self._started = self._last = time.monotonic()
        self.log.info("progress: %s", stage, extra={"stage": stage, "total": total})

    def advance(self, amount: float = 1) -> None:
        """Count; log when `every` seconds passed since the last line."""
        self._done += amount
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            self.log.info(
                "progress: %s %s",
                self._stage,
                _fraction(self._done, self._total, self._unit),
                extra={"stage": self._stage, "done": self._done, "total": self._total},
            )

    def end(self) -> None:
        """Log the stage's end and how long it took."""
        seconds = round(time.monotonic() - self._started, 1)
        self.log.info(
            "progress: %s selesai (%s s)",
            self._stage,
            seconds,
            extra={"stage": self._stage, "seconds": seconds},
        )


class BarProgress:
    """A tqdm bar per stage on the terminal's stderr."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stderr
        self._bar: Any = None

    def begin(self, stage: str, total: float | None = None, unit: str = "langkah") -> None:
        """Open a bar for the stage."""
        from tqdm import tqdm  # imported here: only commands that show a bar pay for it

        self.end()
        scale = unit == "B"
        self._bar = tqdm(
            total=total,
            desc=stage,
            unit=unit,
            unit_scale=scale,
            unit_divisor=1024 if scale else 1000,
            file=self.stream,
            leave=True,
            dynamic_ncols=True,
        )

    def advance(self, amount: float = 1) -> None:
        """Move the bar."""
        if self._bar is not None:
            self._bar.update(amount)

    def end(self) -> None:
        """Close the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def for_operator(stream: IO[str] | None = None, every: float = 10.0) -> Progress:
    """A bar when stderr is a terminal, log lines otherwise (services, pipes, CI)."""
    target = stream or sys.stderr
    if target.isatty():
        return BarProgress(target)
    return LogProgress(every)


def _fraction(done: float, total: float | None, unit: str) -> str:
    if total:
        return f"{done:g}/{total:g} {unit} ({100 * done / total:.0f}%)"
    return f"{done:g} {unit}"
