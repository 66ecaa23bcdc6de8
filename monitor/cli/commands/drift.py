"""`waspada drift check`: today's scores per label against the model's validation data."""

from __future__ import annotations

import json
from datetime import datetime

import typer

from monitor.cli.common import fail, runtime, settings_or_exit
from monitor.core.base import utcnow
from monitor.drift import service

app = typer.Typer(help="Drift watch: score distributions against validation.", no_args_is_help=True)


def _when(at: str | None) -> datetime:
    if at is None:
        return utcnow()
    try:
        when = datetime.fromisoformat(at)
    except ValueError:
        raise fail(f"--at {at!r} is not an ISO 8601 time", 2) from None
    if when.tzinfo is None:
        raise fail("--at needs a timezone, e.g. 2026-11-28T10:00:00+00:00", 2)
    return when


@app.command("check")
def check(
    at: str | None = typer.Option(None, "--at", help="Judge the window ending at this time"),
    alert: bool = typer.Option(False, "--alert/--no-alert", help="Raise alerts like the job"),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON"),
) -> None:
    """Print PSI, KS and flag rate per label for the last window; exit 3 if any shifted."""
    settings = settings_or_exit()
    bounds = service.Bounds.from_settings(settings)
    now = _when(at)
    with runtime(settings) as rt, rt.session() as s:
        report = service.watch(s, bounds, now) if alert else service.measure(s, bounds, now)
    if as_json:
        body = {
            "status": report.status,
            "model_version": report.model_version,
            "since": report.since.isoformat(),
            "until": report.until.isoformat(),
            "message": report.message,
            "alerts_raised": report.alerts_raised,
            "labels": [d.as_json() for d in report.labels],
        }
        typer.echo(json.dumps(body, indent=2))
    else:
        typer.echo(
            f"model {report.model_version or '-'}  window {report.since:%Y-%m-%d %H:%M} .. "
            f"{report.until:%Y-%m-%d %H:%M} UTC  bounds: PSI {bounds.psi}, "
            f"flag rate ±{bounds.flag_rate}"
        )
        if report.status != "measured":
            typer.echo(f"not judged: {report.message}")
        for d in report.labels:
            typer.echo(
                f"{d.label:18} n={d.n:<6} PSI={d.psi:<7.3f} KS={d.ks:<6.3f} "
                f"flag rate {d.flag_rate:.1%} (validation {d.reference_flag_rate:.1%})  "
                f"{'SHIFTED: ' + '; '.join(d.reasons) if d.shifted else 'ok'}"
            )
        if alert:
            typer.echo(f"alerts raised: {report.alerts_raised}")
    if report.shifted:
        raise typer.Exit(3)
