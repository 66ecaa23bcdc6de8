"""`waspada factchecks ...`: import debunks, list them, evaluate the matcher."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from monitor.cli.common import echo_err, fail, runtime
from monitor.factchecks import repository, service
from monitor.factchecks.schemas import parse_jsonl

app = typer.Typer(
    help="Fact-checks: import debunks, list them, evaluate matching.", no_args_is_help=True
)
MAX_ERRORS_SHOWN = 50


@app.command("import")
def import_file(
    file: Path = typer.Argument(
        ..., help="JSONL: id, title; optional claim, url, verdict, published_at, publisher"
    ),
    publisher: str = typer.Option("", help="Publisher for lines that name none"),
    skip_invalid: bool = typer.Option(
        False, help="Import the valid lines even when others are refused"
    ),
) -> None:
    """Upsert fact-checks by (publisher, id) in one transaction; report counts and bad lines."""
    try:
        data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror}") from None
    parsed = parse_jsonl(data, publisher)
    for error in parsed.errors[:MAX_ERRORS_SHOWN]:
        echo_err(f"{file}: {error}")
    if len(parsed.errors) > MAX_ERRORS_SHOWN:
        echo_err(f"{file}: ... and {len(parsed.errors) - MAX_ERRORS_SHOWN} more errors")
    if parsed.errors and not skip_invalid:
        raise fail(
            f"{len(parsed.errors)} bad lines, nothing imported "
            "(fix them, or pass --skip-invalid to import the valid lines)"
        )
    with runtime() as rt, rt.session() as s:
        counts = service.import_records(s, [r for _, r in parsed.records])
    typer.echo(
        f"fact-checks: {counts.inserted} inserted, {counts.updated} updated, "
        f"{counts.unchanged} unchanged, {len(parsed.errors)} lines refused "
        f"({parsed.duplicates} duplicates in the file)"
    )


@app.command("list")
def list_factchecks(
    limit: int = typer.Option(20, min=1, max=10_000, help="How many, newest first"),
    publisher: str | None = typer.Option(None, help="Only this publisher"),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line"),
) -> None:
    """List the newest fact-checks."""
    with runtime() as rt, rt.session() as s:
        total, _ = repository.count_and_max_id(s)
        rows = repository.recent(s, limit, publisher)
        for r in rows:
            item = {
                "pk": r.id,
                "id": r.external_id,
                "publisher": r.publisher,
                "title": r.title,
                "verdict": r.verdict,
                "url": r.url,
                "published_at": r.published_at.isoformat() if r.published_at else None,
            }
            if as_json:
                typer.echo(json.dumps(item, ensure_ascii=False))
            else:
                typer.echo(
                    f"{r.id:>7}  {r.publisher or '-':<16.16} {r.verdict or '-':<10.10} "
                    f"{r.title[:90]}"
                )
    if not as_json:
        echo_err(f"{len(rows)} of {total} fact-checks shown")


@app.command("evaluate")
def evaluate_command(
    from_dir: Path = typer.Option(
        Path("../shared/data"), "--from", help="Folder with the public datasets"
    ),
    refit: bool = typer.Option(True, help="Refit the calibration (else use the shipped one)"),
) -> None:
    """Report recall@1/5 and false-match rates of the matcher and TF-IDF baselines."""
    from classifiers.factcheck.evaluate import evaluate

    try:
        cal, reports, notes = evaluate(from_dir, refit=refit)
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None
    for note in notes:
        typer.echo(f"# {note}")
    typer.echo(f"# calibration: {json.dumps(cal.as_json())}")
    for report in reports:
        typer.echo(report.line())
