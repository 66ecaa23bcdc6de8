"""`waspada audit ...`: check the hash chain."""

from __future__ import annotations

import typer

from monitor.audit import service
from monitor.cli.common import fail, runtime

app = typer.Typer(help="Audit trail: verify the hash chain.", no_args_is_help=True)


@app.command("verify")
def verify() -> None:
    """Recompute every event's hash; exit 1 naming the first altered event."""
    with runtime() as rt, rt.session() as session:
        result = service.verify(session)
    if not result.ok:
        raise fail(
            f"audit chain broken at event {result.first_broken_id}: {result.reason} "
            f"({result.checked} events checked)"
        )
    typer.echo(f"audit chain ok: {result.checked} events verified")
