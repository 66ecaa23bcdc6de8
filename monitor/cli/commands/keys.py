"""`waspada keys ...`: create, list and revoke API keys."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import typer

from monitor.cli.common import fail, runtime
from monitor.core.base import utcnow
from monitor.keys import service
from monitor.keys.principal import ROLES
from monitor.regions.models import Region

app = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)


def _parse_expiry(value: str | None) -> datetime | None:
    if not value:
        return None
    if value[-1] in "dh" and value[:-1].isdigit():
        amount = int(value[:-1])
        return utcnow() + (timedelta(days=amount) if value[-1] == "d" else timedelta(hours=amount))
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise fail(
            f"--expires: expected e.g. 90d, 12h or 2027-01-31T00:00Z, got {value!r}"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@app.command("create")
def create(
    name: str = typer.Option(..., "--name", help="Who or what uses the key"),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}"),
    region: list[str] = typer.Option([], "--region", help="Kemendagri code; repeatable"),
    expires: str | None = typer.Option(None, "--expires", help="e.g. 90d, 12h or an ISO date"),
) -> None:
    """Create a key and print it once; only its hash is stored."""
    expires_at = _parse_expiry(expires)
    with runtime() as rt, rt.session() as session:
        try:
            key, plaintext = service.create_key(session, name, role, region, expires_at)
        except service.KeyRequestError as exc:
            raise fail(str(exc), 2) from None
        unknown = [c for c in key.regions if session.get(Region, c) is None]
        info = service.describe(key)
    typer.echo(plaintext)
    typer.echo(
        f"created key {info['id']} ({info['role']}, regions: {','.join(key.regions) or 'all'}); "
        "store it now, it is not shown again",
        err=True,
    )
    if unknown:
        typer.echo(
            f"warning: region(s) {', '.join(unknown)} not in the regions table (yet)", err=True
        )


@app.command("list")
def list_(
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line"),
    active: bool = typer.Option(False, "--active", help="Hide revoked keys"),
) -> None:
    """List keys (id, name, role, regions, prefix, expiry, revocation, last use)."""
    with runtime() as rt, rt.session() as session:
        rows = [service.describe(k) for k in service.list_keys(session, not active)]
    for row in rows:
        if as_json:
            typer.echo(json.dumps(row))
            continue
        state = "revoked" if row["revoked_at"] else "active"
        typer.echo(
            f"{row['id']:>5}  {row['prefix']}  {row['role']:<10} {state:<7} "
            f"regions={','.join(row['regions']) or '-'}  expires={row['expires_at'] or '-'}  "
            f"last_used={row['last_used_at'] or '-'}  {row['name']}"
        )


@app.command("revoke")
def revoke(key_id: int = typer.Argument(..., help="Key id from `waspada keys list`")) -> None:
    """Revoke a key; it is refused from its next request on."""
    with runtime() as rt, rt.session() as session:
        try:
            key = service.revoke_key(session, key_id)
        except service.KeyRequestError as exc:
            raise fail(str(exc)) from None
        typer.echo(f"revoked key {key.id} ({key.name})")
