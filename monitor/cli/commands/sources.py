"""`waspada sources list|add|disable|enable|run|sync`."""

from __future__ import annotations

import getpass
import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from monitor.cli.common import fail, runtime
from monitor.core.base import utcnow
from monitor.core.outbound import policy_for
from monitor.core.runtime import Runtime
from monitor.flows import collect as tasks
from monitor.predictions import repository as score_repository
from monitor.sources import repository, service, sourcesfile
from monitor.sources.schemas import SourceOut, SourceSpec

log = logging.getLogger(__name__)

app = typer.Typer(help="Manage and run collection sources.", no_args_is_help=True)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _ago(when: datetime | None) -> str:
    if when is None:
        return "never"
    seconds = int((utcnow() - when).total_seconds())
    sign, seconds = ("in ", -seconds) if seconds < 0 else ("", seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            value = f"{seconds // size}{unit}"
            break
    else:
        value = f"{seconds}s"
    return f"{sign}{value}" + ("" if sign else " ago")


def _state(s: SourceOut) -> str:
    if not s.enabled:
        return "disabled"
    if s.system_disabled:
        return "SYSTEM-DISABLED"
    return "failing" if s.failure_count else "ok"


@app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List sources with schedule state and per-source statistics."""
    with runtime() as rt, rt.session() as s:
        rows = service.list_sources(s)
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False))
        return
    if not rows:
        typer.echo("no sources (add one with `waspada sources add` or a sources file)")
        return
    header = f"{'NAME':28} {'KIND':9} {'STATE':15} {'LAST OK':10} {'NEXT':9} {'FAIL':>4} "
    typer.echo(header + f"{'NEW':>7} {'UPD':>6} {'ERR':>4} {'DROP':>5}  LAST ERROR / WHY DISABLED")
    for r in rows:
        st = r.stats or {}
        # A switched-off source shows why (who disabled it, or the failures); others their error,
        # else why items were dropped on the last run.
        note = r.disabled_reason if r.system_disabled or not r.enabled else r.last_error
        if not note and r.dropped_last_run:
            reasons = st.get("last_drop_reasons") or [""]
            note = (
                f"dropped {r.dropped_last_run} of {st.get('last_fetched', '?')} items "
                f"last run: {reasons[0]}"
            )
        typer.echo(
            f"{r.name[:28]:28} {r.kind:9} {_state(r):15} {_ago(r.last_success_at)[:10]:10} "
            f"{_ago(r.next_fetch_at)[:9]:9} {r.failure_count:>4} {st.get('total_new', 0):>7} "
            f"{st.get('total_updated', 0):>6} {st.get('errors', 0):>4} {r.dropped_total:>5}  "
            f"{note or ''}"[:300]
        )


@app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="unique name, e.g. antara-politik")],
    kind: Annotated[str, typer.Option(help="rss, wordpress, mastodon, telegram or reddit")],
    url: Annotated[str, typer.Option(help="feed URL or site/instance base URL")],
    interval: Annotated[str, typer.Option(help="e.g. 15m, 1h")] = "15m",
    factchecker: Annotated[bool, typer.Option(help="items become fact-check records")] = False,
    region: Annotated[str | None, typer.Option(help="Kemendagri code the source covers")] = None,
    language: Annotated[str | None, typer.Option(help="language of short undetected posts")] = None,
    config: Annotated[
        list[str] | None, typer.Option("--set", help="fetcher option key=value (repeatable)")
    ] = None,
) -> None:
    """Add a source; its first fetch is due immediately."""
    options: dict[str, object] = {}
    for pair in config or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise fail(f"--set expects key=value, got {pair!r}", 2)
        options[key.strip()] = _value(value.strip())
    try:
        spec = SourceSpec(
            name=name,
            kind=kind,
            url=url,
            interval=interval,
            factchecker=factchecker,
            region=region,
            language=language,
            config=options,
        )
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'source'}: {e['msg']}" for e in exc.errors()
        )
        raise fail(problems, 2) from None
    with runtime() as rt, rt.session() as s:
        try:
            service.add(s, spec, _actor(), policy=policy_for(rt.settings))
        except ValueError as exc:
            raise fail(str(exc), 1) from None
    typer.echo(f"added {name} ({kind}); first fetch is due now")


def _value(text: str) -> object:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if text.isdigit():
        return int(text)
    return text


@app.command("disable")
def disable_command(
    name: str, reason: Annotated[str, typer.Option(help="why (kept and audited)")] = ""
) -> None:
    """Stop collecting a source (kept, with its history)."""
    _switch(name, False, reason)


@app.command("enable")
def enable_command(name: str) -> None:
    """Collect a source again; clears a system disable and its failure count."""
    _switch(name, True, "")


def _switch(name: str, enabled: bool, reason: str) -> None:
    with runtime() as rt, rt.session() as s:
        try:
            service.set_enabled(s, name, enabled, _actor(), reason)
        except service.SourceNotFound:
            raise fail(f"no source named {name}", 1) from None
    typer.echo(f"{'enabled' if enabled else 'disabled'} {name}")


@app.command("run")
def run_command(name: str) -> None:
    """Fetch one source now, whatever its schedule, and print what was stored."""
    with runtime() as rt:
        try:
            report = tasks.run_now(rt, name)
        except service.SourceNotFound:
            raise fail(f"no source named {name}", 1) from None
        except RuntimeError as exc:
            raise fail(str(exc), 1) from None
    typer.echo(
        f"{name}: fetched {report.fetched}, new {report.new}, updated {report.updated}, "
        f"exact copies {report.duplicates}, fact-checks {report.factchecks}"
        + (f", dropped {report.dropped}" if report.dropped else "")
    )
    for reason in report.drop_reasons[:10]:
        typer.echo(f"{name}: dropped {reason}", err=True)
    if report.error:
        typer.echo(f"{name}: error: {report.error}", err=True)
        if report.disabled:
            typer.echo(f"{name}: system-disabled after repeated failures", err=True)
        raise typer.Exit(1)


@app.command("sync")
def sync_command(
    file: Annotated[
        Path | None, typer.Argument(help="sources file (default: WASPADA_SOURCES_FILE or shipped)")
    ] = None,
) -> None:
    """Load a sources file into the database (also done by `waspada up`)."""
    with runtime() as rt:
        path = file or rt.settings.sources_file or sourcesfile.default_path()
        try:
            specs = sourcesfile.load(path)
        except sourcesfile.SourcesFileError as exc:
            raise fail(str(exc), 2) from None
        try:
            with rt.session() as s:
                counts = service.sync(s, specs, policy=policy_for(rt.settings))
        except ValueError as exc:
            raise fail(f"{path}: {exc}", 2) from None
    typer.echo(
        f"{path}: {counts['added']} added, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged"
    )


def startup_sync(rt: Runtime) -> None:
    """`waspada up` step: load the sources file; on SQLite, free leases a killed run left."""
    path = rt.settings.sources_file or sourcesfile.default_path()
    try:
        specs = sourcesfile.load(path)
    except sourcesfile.SourcesFileError as exc:
        raise fail(str(exc), 2) from None
    with rt.session() as s:
        try:
            counts = service.sync(s, specs, policy=policy_for(rt.settings))
        except ValueError as exc:
            raise fail(f"{path}: {exc}", 2) from None
        if rt.settings.is_sqlite:
            # One process per SQLite file (the data-dir lock), so any lease is a dead run's.
            repository.release_all(s)
            score_repository.release_all(s)
    log.info("sources file loaded", extra={"path": str(path), **counts})
