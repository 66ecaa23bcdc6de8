"""`waspada audit ...`: verify the HMAC chain against the latest signed checkpoint."""

from __future__ import annotations

import typer

from monitor.audit import checkpoints, keyring, service, tasks
from monitor.cli.common import fail, runtime

app = typer.Typer(help="Audit trail: verify the chain, take checkpoints.", no_args_is_help=True)


@app.command("verify")
def verify() -> None:
    """Recompute every event's MAC and compare with the latest checkpoint; exit 1 on a break."""
    with runtime() as rt:
        key = keyring.key_for(rt.settings)
        path = checkpoints.path_for(rt.settings)
        try:
            latest = checkpoints.latest(path, key)
        except checkpoints.CheckpointError as exc:
            raise fail(f"audit checkpoints unusable: {exc}") from None
        with rt.session() as session:
            result = service.verify(session, key, latest)
    if not result.ok:
        where = f" at event {result.first_broken_id}" if result.first_broken_id else ""
        raise fail(f"audit chain broken{where}: {result.reason} ({result.checked} events checked)")
    against = f"; matches the checkpoint of {latest.at}" if latest else "; no checkpoint yet"
    typer.echo(f"audit chain ok: {result.checked} events verified{against}")


@app.command("checkpoint")
def checkpoint() -> None:
    """Sign the chain's current length and head and append it to the checkpoint file."""
    with runtime() as rt:
        cp = tasks.take(rt)
        path = checkpoints.path_for(rt.settings)
    typer.echo(f"checkpoint: {cp.count} events, head {cp.head_id}, written to {path}")
