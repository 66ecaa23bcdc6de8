"""`waspada classify`, kept apart from training so its start imports only what scoring needs.

`ready_runtime` and `classifier_for` are shared with the other model commands. A version with
a scoring file loads without scikit-learn or skops (first line in under two seconds); older
versions and the first training take the full path, imported only then. Scoring only reads,
so the command starts without every ORM model (`monitor.cli.plumbing`, not `common`).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path

import typer

from classifiers.contracts import Classifier
from classifiers.models.compile import NotCompilable
from classifiers.models.safety import UnsafeModel
from classifiers.text.language import use_model_cache
from monitor.cli.plumbing import echo_err, fail, migrate_or_exit, runtime
from monitor.core import migrate
from monitor.core.progress import for_operator
from monitor.core.runtime import Runtime
from monitor.core.settings import Settings
from monitor.factchecks.service import load_matcher
from monitor.modelversions import parallel, repository
from monitor.modelversions.parallel import worker_count
from monitor.modelversions.scoring import load_for_scoring


@contextmanager
def ready_runtime(settings: Settings | None = None) -> Iterator[Runtime]:
    """Open the runtime with the schema at head: a local SQLite file is migrated on first use."""
    with runtime(settings) as rt:
        if migrate.is_at_head(rt.engine):
            yield rt
            return
        current, head = migrate.current_revision(rt.engine), migrate.head_revision()
        if current != head:
            if not rt.settings.is_sqlite:
                raise fail(
                    f"database schema is at {current or 'nothing'}, this version needs {head}; "
                    "run `waspada db upgrade` first"
                )
            # Why automatic here: `datasets fetch && train && classify` on a fresh data
            # directory must work without a separate set-up step (the contract).
            echo_err(f"waspada: migrating the local database to {head} ...")
            migrate_or_exit(rt.engine)
        yield rt


def classifier_for(rt: Runtime, version: str | None) -> Classifier:
    """Load VERSION, else the promoted model, else train and promote the default one."""
    with rt.session() as session:
        row = repository.get(session, version) if version else repository.promoted(session)
        if version and row is None:
            raise fail(f"no model version {version!r}")
        if row is not None:
            try:
                fast = load_for_scoring(row)
                if fast is not None:
                    return fast
                # Lazy on purpose: the skops path imports all of sklearn (over a second), and
                # only versions registered before the scoring file need it.
                from monitor.modelversions.loading import load_version

                return load_version(row)
            except UnsafeModel as exc:
                raise fail(str(exc)) from None
            except NotCompilable as exc:
                raise fail(
                    f"model {row.version} cannot be scored by this version of Waspada ({exc}); "
                    "retrain with `waspada train --promote`"
                ) from None
    echo_err("waspada: no promoted model; training the default model first (once) ...")
    # Training writes rows (the version, its audit event): every table must be registered
    # before that flush (`monitor.cli.common`); scoring only reads and skips that import.
    import monitor.tables  # noqa: F401
    from monitor.research.defaults import ensure_default_model  # training: sklearn, minutes

    return ensure_default_model(rt, for_operator())


def classify_command(
    input: Path | None = typer.Option(None, "--input", help="JSONL file (default: stdin)"),
    output: Path | None = typer.Option(None, "--output", help="JSONL file (default: stdout)"),
    model: str | None = typer.Option(None, "--model", help="Version (default: promoted)"),
    workers: int | None = typer.Option(
        None, "--workers", min=0, max=64, help="Processes (default: setting classify_workers)"
    ),
) -> None:
    """Classify JSON Lines ({"id","text"} per line) into labels, scores and explanations."""
    if input is not None and not input.is_file():
        raise fail(f"--input {input}: no such file", 2)
    # Why: loading makes hundreds of thousands of long-lived objects (index rows, entries,
    # rule tables) that collections would walk again and again (0.74 of 14.2 CPU-s on 20,000
    # tweets); none is collected during the load, then all are frozen out of later
    # collections, which also keeps forked workers from writing to the pages they share.
    with ready_runtime() as rt:
        clf = classifier_for(rt, model)  # collections on: this may train (first use)
        gc.disable()
        try:
            with rt.session() as session:
                matcher = load_matcher(session, rt.settings.data_dir)
            use_model_cache(rt.settings.data_dir)
            processes = worker_count(rt.settings.classify_workers if workers is None else workers)
            parallel.warm(clf, matcher)  # what the first batch builds anyway, before freezing
        finally:
            gc.enable()
    gc.freeze()
    # Scoring makes short-lived objects by the million and few cycles: collect rarely.
    threshold = gc.get_threshold()
    gc.set_threshold(10_000, 10, 10)
    source = input.open("rb") if input is not None else sys.stdin.buffer
    sink = output.open("w", encoding="utf-8") if output is not None else sys.stdout
    try:
        ok, errors = parallel.run(
            clf, source, sink, matcher=matcher, warn=echo_err, workers=processes
        )
    except BrokenProcessPool:
        # A worker was killed (out of memory, a signal): the lines written so far are a
        # prefix of the answer; say so instead of a traceback.
        raise fail(
            "a worker process died; the output is incomplete. Rerun with --workers 1 "
            "(or a lower --workers) to use less memory"
        ) from None
    finally:
        # Why: a caller running this command in its own process (tests, notebooks) gets its
        # collector back as it was; a frozen heap would never be collected there.
        gc.set_threshold(*threshold)
        gc.unfreeze()
        if input is not None:
            source.close()
        if output is not None:
            sink.close()
    if errors:
        echo_err(f"waspada: {ok} classified, {errors} line(s) with errors")
