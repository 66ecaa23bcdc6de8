"""`waspada db ...`: schema migrations."""

from __future__ import annotations

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from monitor.cli.common import fail, runtime
from monitor.core import migrate
from monitor.core.db import DatabaseUnavailable

app = typer.Typer(help="Database schema migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    with runtime(schema=False) as rt:
        migrate_or_exit(rt.engine, revision)
        typer.echo(f"database at revision {migrate.current_revision(rt.engine)}")


@app.command("current")
def current() -> None:
    """Print the database's revision and the newest one shipped."""
    with runtime(schema=False) as rt:
        typer.echo(f"current: {migrate.current_revision(rt.engine)}")
        typer.echo(f"head:    {migrate.head_revision()}")


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
