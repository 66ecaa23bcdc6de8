"""`waspada brief CODE --out FILE`: write a region's early-warning brief (PDF or HTML)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from monitor.cli.common import fail, runtime
from monitor.core.base import utcnow
from monitor.desk import figures
from monitor.desk.brief import service
from monitor.desk.brief.content import DEFAULT_DAYS, BriefLevelError
from monitor.keys import repository as keys
from monitor.keys.principal import SYSTEM
from monitor.keys.service import principal_of


def _when(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{name}: use ISO 8601, e.g. 2026-12-01T00:00+07:00") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def brief(
    code: Annotated[str, typer.Argument(help="Province or kabupaten/kota code, e.g. 15 or 15.05")],
    out: Annotated[Path, typer.Option("--out", help="File to write; .html writes HTML")],
    since: Annotated[str | None, typer.Option("--from", help="Period start (ISO 8601)")] = None,
    until: Annotated[str | None, typer.Option("--to", help="Period end (ISO 8601)")] = None,
    key_id: Annotated[
        int | None, typer.Option("--key-id", help="Write it as this key sees it (its scope)")
    ] = None,
) -> None:
    """Write a region's early-warning brief (laporan deteksi dini) as PDF or HTML."""
    now = utcnow()
    end = _when(until, "--to") or now
    start = _when(since, "--from") or service.default_period(end, DEFAULT_DAYS).since
    if start >= end:
        raise typer.BadParameter("--from must be before --to")
    fmt = "html" if out.suffix.lower() in (".html", ".htm") else "pdf"
    with runtime() as rt, rt.session() as session:
        reader = SYSTEM
        if key_id is not None:
            key = keys.by_id(session, key_id)
            if key is None:
                raise fail(f"no key {key_id}", 2)
            reader = principal_of(key)
        try:
            f = service.make(session, reader, code, figures.Period(start, end), fmt, now)
        except (figures.RegionNotFound, figures.OutOfScope):
            raise fail(f"no region {code} within the reader's scope", 2) from None
        except BriefLevelError as exc:
            raise fail(str(exc), 2) from None
    out.write_bytes(f.content)
    typer.echo(f"wrote {out} ({len(f.content)} bytes, {fmt})")
