"""Shared CLI plumbing: settings, logging, runtime and migrations with clear errors.

Without the ORM schema: `monitor.cli.common` adds it (every command that writes needs every
table registered); `waspada classify` only reads, and starts without importing every model.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, inspect
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from monitor.cli.messages import echo_err, fail
from monitor.core import migrate
from monitor.core.db import DatabaseUnavailable
from monitor.core.logging import configure_logging
from monitor.core.runtime import Runtime, build_runtime
from monitor.core.settings import Settings, SettingsError, load_settings


def settings_or_exit() -> Settings:
    """Load settings and configure logging, exiting with code 2 on invalid values."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        raise fail(str(exc), 2) from None
    configure_logging(settings.log_level, settings.log_format)
    return settings


@contextmanager
def runtime(
    settings: Settings | None = None, *, wait: bool = True, schema: bool = True, api: bool = False
) -> Iterator[Runtime]:
    """Open the runtime for a command (schema checked unless `schema=False`) and close it.

    `api=True`: the API's runtime (statements cut off after `api_statement_timeout`).
    """
    settings = settings or settings_or_exit()
    try:
        rt = build_runtime(settings, wait=wait, api=api)
    except DatabaseUnavailable as exc:
        raise fail(str(exc)) from None
    try:
        if schema:
            ensure_schema(rt)
        yield rt
    finally:
        rt.close()


def ensure_schema(rt: Runtime) -> None:
    """Create the schema of an empty database; refuse an out-of-date one in one line."""
    # Why: a command on a fresh data directory used to die with a 60-line SQL traceback
    # (`no such table: sources`); an older schema is left for `waspada db upgrade` (back up).
    try:
        if migrate.is_at_head(rt.engine):  # the common case, without importing Alembic
            return
    except SQLAlchemyError as exc:
        raise fail(f"cannot read the database schema: {str(exc).splitlines()[0]}") from None
    quiet = logging.getLogger("alembic.runtime.migration")
    level = quiet.level
    try:
        # Why quiet: alembic logs "Context impl ..." at INFO, on every command's stderr.
        quiet.setLevel(logging.WARNING)
        try:
            current = migrate.current_revision(rt.engine)
        finally:
            quiet.setLevel(level)
        head = migrate.head_revision()
        if current == head:
            return
        if current is None and not inspect(rt.engine).get_table_names():
            echo_err(f"waspada: new database: creating the schema (revision {head})")
            migrate.upgrade(rt.engine)
            return
    except SQLAlchemyError as exc:
        raise fail(f"cannot read the database schema: {str(exc).splitlines()[0]}") from None
    raise fail(
        f"the database schema is at revision {current or 'none (tables without a revision)'}, "
        f"this version needs {head}: run `waspada db upgrade` (after a backup)",
        2,
    )


def migrate_or_exit(engine: Engine, revision: str = "head") -> None:
    """Run migrations, turning interruption and unreachable databases into clear exits."""
    try:
        migrate.upgrade(engine, revision)
    except KeyboardInterrupt:
        # Each migration runs in its own transaction (SQLite DDL included, see core.db),
        # so an interrupted one is rolled back whole.
        raise fail(f"interrupted; database left at revision {_safe_current(engine)}", 130) from None
    except (OperationalError, DatabaseUnavailable) as exc:
        raise fail(f"migration failed: {str(exc).splitlines()[0]}") from None


def _safe_current(engine: Engine) -> str | None:
    try:
        return migrate.current_revision(engine)
    except SQLAlchemyError:
        return "unknown"
