"""`waspada factchecks ...`: import debunks, list them, evaluate the matcher."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from classifiers.factcheck.evaluate import HEADER, evaluate
from classifiers.factcheck.rerank import WEIGHTS_FILE
from monitor.cli.common import echo_err, fail, runtime
from monitor.factchecks import repository, service
from monitor.factchecks.importing import parse_any
from monitor.flows.debunks import rematch_debunks

app = typer.Typer(
    help="Fact-checks: import debunks, list them, evaluate matching.", no_args_is_help=True
)
MAX_ERRORS_SHOWN = 50


@app.command("import")
def import_file(
    file: Path = typer.Argument(
        ...,
        help="JSONL (id, title; optional claim, url, verdict, published_at, publisher, rating, "
        "appearances), ClaimReview JSON (one object or a list), or a fact-checker's HTML page",
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
    parsed = parse_any(data, publisher)
    for error in parsed.errors[:MAX_ERRORS_SHOWN]:
        echo_err(f"{file}: {error}")
    if len(parsed.errors) > MAX_ERRORS_SHOWN:
        echo_err(f"{file}: ... and {len(parsed.errors) - MAX_ERRORS_SHOWN} more errors")
    if parsed.errors and not skip_invalid:
        raise fail(
            f"{len(parsed.errors)} bad lines, nothing imported "
            "(fix them, or pass --skip-invalid to import the valid lines)"
        )
    with runtime() as rt:
        with rt.session() as s:
            counts = service.import_records(s, [r for _, r in parsed.records])
            # New debunks meet the posts already scored, in the same transaction as the import.
            matched = rematch_debunks(s, rt.settings, counts.changed_ids)
        if counts.inserted or counts.updated:
            # After the commit: `waspada classify` then starts from the saved index.
            with rt.session() as s:
                service.save_index(s, rt.settings.data_dir)
    typer.echo(
        f"fact-checks: {counts.inserted} inserted, {counts.updated} updated, "
        f"{counts.unchanged} unchanged, {len(parsed.errors)} lines refused "
        f"({parsed.duplicates} duplicates in the file)"
    )
    typer.echo(
        f"recent posts: {matched.posts_checked} checked, {matched.posts_matched} matched a new "
        f"debunk, {matched.newly_flagged} newly flagged hoax"
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
    news: int = typer.Option(4000, min=200, help="Held-out news articles to check (sampled)"),
    write: bool = typer.Option(
        False, help="Store the fitted re-ranker as the shipped weights (reranker.json)"
    ),
) -> None:
    """Fit the re-ranker; print R@1, R@5, recall above threshold and false matches side by side."""
    try:
        result = evaluate(from_dir, n_news=news)
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None
    for note in result.notes:
        typer.echo(f"# {note}")
    typer.echo(f"# re-ranker: {json.dumps(result.reranker.to_json(), ensure_ascii=False)}")
    typer.echo(HEADER)
    for report in result.reports:
        typer.echo(report.line())
    if write:
        text = json.dumps(result.reranker.to_json(), indent=1, ensure_ascii=False)
        WEIGHTS_FILE.write_text(text + "\n", encoding="utf-8")
        echo_err(f"re-ranker weights written to {WEIGHTS_FILE}")
