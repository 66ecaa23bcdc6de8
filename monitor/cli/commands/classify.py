"""`waspada classify`: start the database reads in a child, then import and load the scoring half.

Why this module imports almost nothing: the command's start was serial on one of two cores.
It forks `monitor.cli.prefetch`'s child (SQLAlchemy, the settings, the promoted model's row
and the debunks) first, then imports the scoring half (`classify_score`: NumPy, SciPy, the
rules) while the child reads; the two take about as long. The output is the same.
"""

from __future__ import annotations

import gc
from pathlib import Path

import typer

from monitor.cli import prefetch
from monitor.cli.main import is_process_entry
from monitor.cli.messages import fail


def classify_command(
    input: Path | None = typer.Option(None, "--input", help="JSONL file (default: stdin)"),
    output: Path | None = typer.Option(None, "--output", help="JSONL file (default: stdout)"),
    model: str | None = typer.Option(None, "--model", help="Version (default: promoted)"),
    workers: int | None = typer.Option(
        None, "--workers", min=0, max=64, help="Processes (default: setting classify_workers)"
    ),
) -> None:
    """Classify JSON Lines ({"id","text"} per line) into labels, scores and explanations."""
    if input is not None and not input.is_file():
        raise fail(f"--input {input}: no such file", 2)
    pending = prefetch.start(model)
    # Collections off and what the import made frozen, as `monitor.cli.main` loads a
    # command's module in the `waspada` process (not inside tests or notebooks).
    enabled = gc.isenabled()
    gc.disable()
    try:
        # Lazy on purpose: imported while the child reads the database (module docstring).
        from monitor.cli.commands import classify_score
    except BaseException:
        if pending is not None:
            pending.result()  # reap the child
        raise
    finally:
        if is_process_entry():
            gc.freeze()
        if enabled:
            gc.enable()
    classify_score.run(pending, input, output, model, workers)
