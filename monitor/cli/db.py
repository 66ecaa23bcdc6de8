"""`waspada db ...`: schema migrations."""

from __future__ import annotations

import typer

from monitor.cli.common import runtime
from monitor.cli.plumbing import migrate_or_exit
from monitor.core import migrate

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
