"""Shared CLI plumbing: settings, logging and runtime with clear errors instead of tracebacks."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer

# Every command loads only its own module (monitor/cli/main.py), so the whole schema is
# registered here: a table's foreign keys name tables of other domains (factchecks.source_id
# -> sources), which SQLAlchemy must know before the first flush.
import monitor.core.registry  # noqa: F401
from monitor.core.db import DatabaseUnavailable
from monitor.core.logging import configure_logging
from monitor.core.runtime import Runtime, build_runtime
from monitor.core.settings import Settings, SettingsError, load_settings


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error to stderr and return the Exit to raise."""
    typer.echo(f"waspada: error: {message}", err=True)
    return typer.Exit(code)


def settings_or_exit() -> Settings:
    """Load settings and configure logging, exiting with code 2 on invalid values."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise fail(str(exc), 2) from None
    configure_logging(settings.log_level, settings.log_format)
    return settings


@contextmanager
def runtime(settings: Settings | None = None, *, wait: bool = True) -> Iterator[Runtime]:
    """Open the runtime for a command and close it afterwards."""
    settings = settings or settings_or_exit()
    try:
        rt = build_runtime(settings, wait=wait)
    except DatabaseUnavailable as exc:
        raise fail(str(exc)) from None
    try:
        yield rt
    finally:
        rt.close()


def echo_err(message: str) -> None:
    """Write a line to stderr (progress and warnings, never data)."""
    print(message, file=sys.stderr, flush=True)
