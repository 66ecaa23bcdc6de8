"""The `waspada` entry point: every command, each with one line of help, loaded when run.

Why lazy: importing every command's module (scikit-learn, FastAPI, uvicorn, SQLAlchemy
models, ...) took seconds before `waspada --help` could answer. The tables below are the one
place where commands are registered: each names a command, its one-line help (shown by
`--help` without importing anything) and a loader that imports the command's module only
when that command runs. `tests/foundation/test_cli_start.py` checks the help lines against
the loaded commands, so they cannot drift apart.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import typer
from typer import _click as click  # typer ships its own click: its commands are these classes
from typer.core import TyperCommand, TyperGroup

if TYPE_CHECKING:
    from monitor.core.errors import WaspadaError


@dataclass(frozen=True)
class Lazy:
    """A command registered by name: its one-line help and how to load it."""

    help: str
    load: Callable[[], click.Command]


def _group(sub_app: typer.Typer) -> click.Command:
    # get_group, not get_command: a sub-app with one command (audit) stays a group.
    return typer.main.get_group(sub_app)


def _single(fn: Callable[..., Any]) -> click.Command:
    one = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    one.command()(fn)
    return typer.main.get_command(one)


# Loaders: each imports its command's module here, at the CLI edge, and nowhere else.
def _up() -> click.Command:
    from monitor.cli import serve

    return _single(serve.up)


def _api() -> click.Command:
    from monitor.cli import serve

    return _single(serve.api)


def _scheduler() -> click.Command:
    from monitor.cli import serve

    return _single(serve.scheduler)


def _worker() -> click.Command:
    from monitor.cli import worker

    return _group(worker.app)


def _ingest() -> click.Command:
    from monitor.cli.commands import posts as cli

    return _single(cli.ingest_command)


def _train() -> click.Command:
    from monitor.cli.commands import modelversions as cli

    return _single(cli.train_command)


def _evaluate() -> click.Command:
    from monitor.cli.commands import modelversions as cli

    return _single(cli.evaluate_command)


def _classify() -> click.Command:
    from monitor.cli.commands import classify as classify_cli

    return _single(classify_cli.classify_command)


def _db() -> click.Command:
    from monitor.cli import db

    return _group(db.app)


def _regions() -> click.Command:
    from monitor.cli.commands import regions as cli

    return _group(cli.app)


def _brief() -> click.Command:
    from monitor.cli import brief

    return _single(brief.brief)


def _alerts() -> click.Command:
    from monitor.cli.commands import alerts as cli

    return _group(cli.app)


def _keys() -> click.Command:
    from monitor.cli.commands import keys as cli

    return _group(cli.app)


def _sources() -> click.Command:
    from monitor.cli.commands import sources as cli

    return _group(cli.app)


def _factchecks() -> click.Command:
    from monitor.cli.commands import factchecks as cli

    return _group(cli.app)


def _audit() -> click.Command:
    from monitor.cli.commands import audit as cli

    return _group(cli.app)


def _datasets() -> click.Command:
    from monitor.cli.commands import modelversions as cli

    return _group(cli.datasets_app)


def _models() -> click.Command:
    from monitor.cli.commands import modelversions as cli

    return _group(cli.models_app)


def _notebooks() -> click.Command:
    from monitor.cli import notebooks

    return _group(notebooks.app)


def _drift() -> click.Command:
    from monitor.cli.commands import drift as cli

    return _group(cli.app)


def _bench_ingest() -> click.Command:
    from monitor.cli.bench import sources as bench

    return _single(bench.bench_ingest)


def _tipline() -> click.Command:
    from monitor.cli.commands import tipline as cli

    return _group(cli.app)


def _redetect_languages() -> click.Command:
    from monitor.cli.commands import posts as cli

    return _single(cli.redetect_languages_command)


def _bench_language() -> click.Command:
    from monitor.cli.bench import posts as bench

    return _single(bench.bench_language)


def _bench_match() -> click.Command:
    from monitor.cli.bench import factchecks as bench

    return _single(bench.bench_match)


def _bench_cluster() -> click.Command:
    from monitor.cli.bench import clusters as bench

    return _single(bench.bench_cluster)


def _bench_classify() -> click.Command:
    from monitor.cli.bench import modelversions as bench

    return _single(bench.bench_classify)


def _bench_api() -> click.Command:
    from monitor.cli.bench import reviews as bench

    return _single(bench.bench_api)


def _bench_day() -> click.Command:
    from monitor.cli.bench import day as bench

    return _single(bench.bench_day)


def _bench_alerts() -> click.Command:
    from monitor.cli.bench import alerts as bench

    return _single(bench.bench_alerts)


BENCH_COMMANDS: dict[str, Lazy] = {
    "ingest": Lazy(
        "Time arrival through `waspada ingest` and the collectors beside a bare insert.",
        _bench_ingest,
    ),
    "match": Lazy(
        "Print index build time, matching posts/s and the match rate on ordinary news.",
        _bench_match,
    ),
    "cluster": Lazy(
        "Print membership precision/recall, posts/s, memory per million posts, DB hook posts/s.",
        _bench_cluster,
    ),
    "classify": Lazy(
        "Print posts/s end to end through `waspada classify`, the bare model's, and their ratio.",
        _bench_classify,
    ),
    "api": Lazy(
        "Seed N posts, start the API on 127.0.0.1 and print req/s and p50/p95/p99 latency.",
        _bench_api,
    ),
    "alerts": Lazy(
        "Time one rule evaluation over a week of flags, a repeat (dedup) and the webhook fan-out.",
        _bench_alerts,
    ),
    "language": Lazy(
        "Print the share of real Indonesian not scored and of foreign sentences scored.",
        _bench_language,
    ),
    "day": Lazy(
        "Replay a compressed election day through feeds and processes; print fetch-to-queue.",
        _bench_day,
    ),
}


class LazyGroup(TyperGroup):
    """A command group whose commands are imported only when one of them runs."""

    lazy: ClassVar[dict[str, Lazy]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Name the commands in registration order, loaded or not."""
        return [*self.lazy, *(n for n in super().list_commands(ctx) if n not in self.lazy)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """Return a loaded command, or a stand-in carrying only the help line."""
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        entry = self.lazy.get(cmd_name)
        return None if entry is None else _Unloaded(name=cmd_name, help=entry.help)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """Load the command that is about to run (listing help never gets here)."""
        name, cmd, rest = super().resolve_command(ctx, args)
        if isinstance(cmd, _Unloaded) and name is not None:
            cmd = self.commands[name] = _load_without_collections(self.lazy[name])
        return name, cmd, rest


# Set by `main`, the process entry: a CLI run inside another process (tests, notebooks) keeps
# that process's collector as it was.
_ENTRY = {"freeze": False}


def is_process_entry() -> bool:
    """Tell whether this process runs the CLI from `main` (not inside tests or notebooks)."""
    return _ENTRY["freeze"]


def _load_without_collections(entry: Lazy) -> click.Command:
    # Why: importing a command's modules makes a few hundred thousand long-lived objects
    # (classes, functions, ORM metadata) and almost no garbage, yet the collector walked them
    # again and again: about 410 passes and 0.19 CPU-s of `waspada classify`'s start. Off
    # while importing, then frozen out of later collections (0.12 s more if merely deferred);
    # forked workers then also share those pages without writing to them.
    if not _ENTRY["freeze"]:
        return entry.load()
    enabled = gc.isenabled()
    gc.disable()
    try:
        return entry.load()
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


class _Unloaded(TyperCommand):
    """What `--help` lists for a command whose module is not imported yet."""


class BenchGroup(LazyGroup):
    """`waspada bench ...`."""

    lazy = BENCH_COMMANDS


def _bench() -> click.Command:
    bench = typer.Typer(
        cls=BenchGroup, help="Benchmarks that print their figures.", no_args_is_help=True
    )
    return typer.main.get_group(bench)


def _no_options() -> None:
    """Options shared by a group's commands (none yet)."""


COMMANDS: dict[str, Lazy] = {
    "up": Lazy(
        "Run everything in one process: migrate, prepare, schedule collection, serve the API.",
        _up,
    ),
    "api": Lazy("Serve the API only (deployments that run the scheduler separately).", _api),
    "scheduler": Lazy(
        "Run the scheduler only; several may run against one PostgreSQL database.", _scheduler
    ),
    "worker": Lazy("Background workers that share the work through the database.", _worker),
    "ingest": Lazy(
        "Ingest posts from a JSONL or CSV file; bad lines are listed and the rest is stored.",
        _ingest,
    ),
    "redetect-languages": Lazy(
        "Re-detect the language of every stored post; foreign ones leave the unreviewed queue.",
        _redetect_languages,
    ),
    "train": Lazy(
        "Train on fetched datasets + seeds + reviewer decisions, evaluate, register.", _train
    ),
    "evaluate": Lazy(
        "Print per-label P/R/F1 at the operating threshold and flag rates on ordinary content.",
        _evaluate,
    ),
    "classify": Lazy(
        'Classify JSON Lines ({"id","text"} per line) into labels, scores and explanations.',
        _classify,
    ),
    "db": Lazy("Database schema migrations.", _db),
    "regions": Lazy("Kemendagri regions: load, tag, search, IKP import.", _regions),
    "alerts": Lazy("Alerts: subscriptions, rule evaluation, delivery.", _alerts),
    "brief": Lazy(
        "Write a region's early-warning brief (laporan deteksi dini) as PDF or HTML.", _brief
    ),
    "keys": Lazy("API keys: create (shown once), list, revoke.", _keys),
    "sources": Lazy("Manage and run collection sources.", _sources),
    "bench": Lazy("Benchmarks that print their figures.", _bench),
    "factchecks": Lazy("Fact-checks: import debunks, list them, evaluate matching.", _factchecks),
    "audit": Lazy("Audit trail: verify the chain, take checkpoints.", _audit),
    "datasets": Lazy("Public datasets: list and fetch.", _datasets),
    "models": Lazy("Trained classifier versions.", _models),
    "drift": Lazy("Drift watch: score distributions against validation.", _drift),
    "notebooks": Lazy("Researchers' notebooks: run them headless.", _notebooks),
    "tipline": Lazy("Citizen tipline: a Telegram bot that takes tips.", _tipline),
}


class WaspadaGroup(LazyGroup):
    """The top-level `waspada` group."""

    lazy = COMMANDS


app = typer.Typer(
    cls=WaspadaGroup,
    name="waspada",
    help="Waspada: election early-detection monitor for Indonesian media.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


app.callback()(_no_options)


def main() -> None:
    """Run the CLI; a domain error or a long-held SQLite lock becomes one translated line."""
    _ENTRY["freeze"] = True
    try:
        app()
    except Exception as exc:
        if _is_sqlite_locked(exc):
            from monitor.core.i18n import translate
            from monitor.core.settings import get_settings

            seconds = int(get_settings().sqlite_busy_timeout.total_seconds())
            line = translate("id", "cli.db_locked").format(seconds=seconds)
            typer.echo(f"waspada: {line}", err=True)
            raise SystemExit(75) from None  # EX_TEMPFAIL: the caller may retry
        # Imported only when something escapes a command: `waspada --help` stays import-free.
        from monitor.core.errors import WaspadaError

        if not isinstance(exc, WaspadaError):
            raise
        typer.echo(error_line(exc), err=True)
        sys.exit(1)


def _is_sqlite_locked(exc: BaseException) -> bool:
    # By name, not by class: importing sqlalchemy here would cost `--help` its speed.
    return type(exc).__module__.startswith("sqlalchemy") and "database is locked" in str(exc)


def error_line(exc: WaspadaError, lang: str = "id") -> str:
    """The one line a command prints for a domain error (Indonesian unless asked otherwise)."""
    # The prefix stays the same in every language, so scripts can grep for it.
    return f"waspada: error: {exc.message(lang)}"
