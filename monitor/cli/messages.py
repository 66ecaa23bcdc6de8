"""The CLI's error and progress lines, apart from `plumbing` so they import only typer.

Why apart: `waspada classify` reports errors from its scoring half, which must start without
SQLAlchemy (its database reads run in a child process, `monitor.cli.prefetch`).
"""

from __future__ import annotations

import sys

import typer


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error to stderr and return the Exit to raise."""
    typer.echo(f"waspada: error: {message}", err=True)
    return typer.Exit(code)


def echo_err(message: str) -> None:
    """Write a line to stderr (progress and warnings, never data)."""
    print(message, file=sys.stderr, flush=True)
