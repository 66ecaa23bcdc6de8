"""`waspada ingest FILE`: load JSONL/CSV exports through the same path as collectors."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from itertools import chain
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.engine import Engine

from classifiers.text.language import use_model_cache
from monitor.cli.common import fail, runtime
from monitor.clusters.placement import Signed
from monitor.clusters.readahead import Lookahead
from monitor.core.gcpolicy import tune_for_pages
from monitor.flows import arrival
from monitor.flows.ahead import ahead_map
from monitor.flows.pipeline import Committer
from monitor.posts import service
from monitor.posts.files import BadLine, FileFormatError, detect_format, open_input, read_records
from monitor.posts.relanguage import RelanguageReport, redetect_batch
from monitor.posts.schemas import IngestReport, Rejection
from monitor.sources import repository as sources_repo

# Why 1,000: one commit per thousand posts bounds what an interrupted run has to redo.
BATCH = 1000


def ingest_command(
    file: Annotated[Path, typer.Argument(help="JSONL or CSV file ('-' for stdin)")],
    fmt: Annotated[str | None, typer.Option("--format", help="jsonl or csv")] = None,
    platform: Annotated[str, typer.Option(help="platform for records that name none")] = "file",
    source: Annotated[str | None, typer.Option(help="attribute posts to this source")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Ingest posts from a JSONL or CSV file; bad lines are listed and the rest is stored."""
    try:
        kind = detect_format(file, fmt) if str(file) != "-" else (fmt or "jsonl")
        stream = open_input(file)
    except FileFormatError as exc:
        raise fail(str(exc), 2) from None
    total = IngestReport()
    with runtime() as rt:
        # py3langid's model mapped from the data directory: decompressing it cost 0.6 s of
        # CPU in every run (a fifth of storing 5,000 posts).
        use_model_cache(rt.settings.data_dir)
        tune_for_pages()  # the collector walked each live page (see gcpolicy)
        source_id: int | None = None
        language: str | None = None
        if source:
            with rt.session() as s:
                row = sources_repo.by_name(s, source)
                if row is None:
                    raise fail(f"no source named {source}", 2)
                source_id = row.id
                language = (row.config or {}).get("language")
        try:
            with stream:
                records = read_records(stream, kind, {"platform": platform})
                store_batches(rt, _batches(records, total), total, source_id, language)
        except FileFormatError as exc:
            _report(total, as_json)
            raise fail(str(exc), 2) from None
    _report(total, as_json)
    if total.rejected:
        raise typer.Exit(1)


def _batches(
    records: Iterable[tuple[int, dict[str, Any] | BadLine]], total: IngestReport
) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    """Group the file's records in batches of BATCH; unreadable lines become rejections."""
    batch: list[tuple[int, dict[str, Any]]] = []
    for line, record in records:
        if isinstance(record, BadLine):
            total.rejected.append(Rejection(index=line, errors=[record.error]))
            continue
        batch.append((line, record))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(frozen=True)
class _Page:
    """A validated, prepared batch on its way to the store (picklable: made in a worker)."""

    received: int
    lines: list[int]  # the file line of each valid item
    refused: list[Rejection]  # lines that failed validation, with their file line
    prepared: arrival.Prepared


# Why a switch: the worker process is measured against in-process preparation (A/B).
PREPARE_AHEAD = True


def store_batches(
    rt: Any,
    batches: Iterable[list[tuple[int, dict[str, Any]]]],
    total: IngestReport,
    source_id: int | None,
    language: str | None,
) -> None:
    """Store each batch in one transaction; the next batch is prepared while one is stored.

    The next batch is validated and prepared in one worker process (`flows/ahead.py`) and
    the commit runs in a thread (`flows/pipeline.py`). A database failure stops the run as
    before: the batches before it are committed and counted, and its error is raised here.
    """
    make = partial(_prepare, source_id=source_id, language=language)
    # The worker is forked at the first page, before the commit thread below starts.
    pages = ahead_map(make, batches) if PREPARE_AHEAD else map(make, batches)
    first = next(pages, None)
    if first is None:
        return
    if READ_AHEAD and _own_connections(rt):
        _store_reading_ahead(rt, first, pages, total, source_id, language)
        return
    with Committer(name="ingest-commit") as committer:
        for page in chain([first], pages):  # the next page is prepared while this one stores
            total.rejected.extend(page.refused)
            with committer.unit(rt) as s:  # waits for the commit of the page before
                # The source's default region is applied by region tagging (it reads the source).
                outcome = arrival.arrive(
                    s,
                    page.prepared.items,
                    source_id=source_id,
                    default_language=language,
                    scorer=arrival.loaded_scorer(),
                    prepared=page.prepared,
                )
                committer.after(partial(_count, total, page, outcome.report))


# Why a switch: reading the next page's band rows ahead is measured against reading them
# in turn (A/B, docs/benchmarks.md).
READ_AHEAD = True


def _store_reading_ahead(
    rt: Any,
    first: _Page,
    pages: Iterator[_Page],
    total: IngestReport,
    source_id: int | None,
    language: str | None,
) -> None:
    """`store_batches` on PostgreSQL: each next page's band rows are read while one stores.

    The next page is taken from the worker in a thread (waiting for it here would stop
    this page), and the read-ahead thread reads its band rows and candidates on its own
    connection (`clusters/readahead.py`) while this page runs its statements.
    """
    fetcher = ThreadPoolExecutor(1, thread_name_prefix="ingest-next")
    look = Lookahead(rt.factory)
    try:
        with Committer(name="ingest-commit") as committer:
            page: _Page | None = first
            while page is not None:
                total.rejected.extend(page.refused)
                with committer.unit(rt) as s:  # waits for the commit of the page before
                    upcoming = fetcher.submit(next, pages, None)
                    look.following = partial(_signed_of, upcoming)
                    outcome = arrival.arrive(
                        s,
                        page.prepared.items,
                        source_id=source_id,
                        default_language=language,
                        scorer=arrival.loaded_scorer(),
                        prepared=page.prepared,
                        lookahead=look,
                    )
                    committer.after(partial(_count, total, page, outcome.report))
                page = upcoming.result()
    finally:
        look.close()
        fetcher.shutdown(wait=True, cancel_futures=True)


def _own_connections(rt: Any) -> bool:
    """Return whether a second connection can read beside the page's (PostgreSQL, a pool)."""
    # A factory bound to one connection (tests, embedded use) has no second connection, and
    # SQLite's one writer gains nothing from a reader beside it (its reads are not a chain
    # of round trips to a server process).
    return rt.engine.dialect.name == "postgresql" and isinstance(rt.factory.kw.get("bind"), Engine)


def _signed_of(upcoming: Future[_Page | None]) -> Mapping[tuple[str, str], Signed] | None:
    page = upcoming.result()
    return page.prepared.signed if page is not None else None


def _prepare(
    batch: list[tuple[int, dict[str, Any]]], source_id: int | None, language: str | None
) -> _Page:
    """Validate and prepare one batch (no database: it may run in the worker process)."""
    lines = [line for line, _ in batch]
    good, bad = service.validate([record for _, record in batch])
    refused = {rejection.index for rejection in bad}
    prepared = arrival.prepare(good, source_id=source_id, default_language=language)
    return _Page(
        received=len(batch),
        lines=[line for i, line in enumerate(lines) if i not in refused],
        refused=[Rejection(index=lines[r.index], errors=r.errors) for r in bad],
        prepared=prepared,
    )


def _count(total: IngestReport, page: _Page, r: IngestReport) -> None:
    total.received += page.received
    total.new += r.new
    total.updated += r.updated
    total.unchanged += r.unchanged
    total.duplicates += r.duplicates
    # Items the database refused (one bad row costs only itself): listed with their line.
    for rejection in r.rejected:
        total.rejected.append(Rejection(index=page.lines[rejection.index], errors=rejection.errors))


def _report(total: IngestReport, as_json: bool) -> None:
    # By line: the reader, the worker and the commits each add rejections at their own pace.
    total.rejected.sort(key=lambda r: r.index)
    if as_json:
        typer.echo(json.dumps(total.model_dump(), ensure_ascii=False))
        return
    typer.echo(
        f"stored: {total.new} new, {total.updated} updated, {total.unchanged} unchanged "
        f"({total.duplicates} exact copies linked); rejected: {len(total.rejected)}"
    )
    for rejection in total.rejected[:100]:
        typer.echo(f"line {rejection.index}: {'; '.join(rejection.errors)}", err=True)
    if len(total.rejected) > 100:
        typer.echo(f"... and {len(total.rejected) - 100} more rejected lines", err=True)


def redetect_languages_command(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="count, change nothing")] = False,
) -> None:
    """Re-detect the language of every stored post; foreign ones leave the unreviewed queue."""
    report = RelanguageReport()
    with runtime() as rt:
        more = True
        while more:
            with rt.session() as s:  # one commit per batch: an interrupted run keeps its work
                more = redetect_batch(s, report.last_id, BATCH, report, dry_run=dry_run)
    verb = "would change" if dry_run else "changed"
    typer.echo(
        f"{report.seen} posts read, {verb} {report.changed} language marks; "
        f"{report.now_foreign} no longer scored, {report.unflagged} taken out of the queue"
    )
