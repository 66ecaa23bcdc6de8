"""`waspada classify`'s scoring half: load the model and the debunks, score, write.

Imports NumPy, SciPy and the rules but not SQLAlchemy: the command imports this module
while a child reads the database (`monitor.cli.prefetch`), and builds the model and the
matcher from what the child read. Anything but the plain case goes to `classify_db`.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path

from classifiers.contracts import Classifier, Matcher
from classifiers.models.compile import NotCompilable
from classifiers.models.safety import UnsafeModel
from classifiers.text.language import use_model_cache
from classifiers.text.rule_match import compile_rules
from monitor.cli.main import is_process_entry
from monitor.cli.messages import echo_err, fail
from monitor.cli.prefetch import Pending, Snapshot
from monitor.core.logging import configure_logging
from monitor.factchecks.snapshot import matcher_from_rows
from monitor.modelversions import parallel
from monitor.modelversions.parallel import worker_count
from monitor.modelversions.scoring import load_for_scoring


@contextmanager
def model_errors(version: str) -> Iterator[None]:
    """Turn a version that cannot be loaded into the command's one-line error."""
    try:
        yield
    except UnsafeModel as exc:
        raise fail(str(exc)) from None
    except NotCompilable as exc:
        raise fail(
            f"model {version} cannot be scored by this version of Waspada ({exc}); "
            "retrain with `waspada train --promote`"
        ) from None


def _from_snapshot(
    snap: Snapshot, workers: int | None
) -> tuple[Classifier, Matcher | None, int] | None:
    configure_logging(snap.log_level, snap.log_format)  # what `settings_or_exit` does
    with model_errors(snap.model.version):
        clf = load_for_scoring(snap.model)
    if clf is None:
        return None  # registered before the scoring file: `classify_db` loads it with sklearn
    gc.disable()  # why: `run`
    try:
        matcher = matcher_from_rows(snap.rows, snap.url, snap.data_dir)
        use_model_cache(snap.data_dir)
        processes = worker_count(snap.classify_workers if workers is None else workers)
        parallel.warm(clf, matcher)  # what the first batch builds anyway, before freezing
    finally:
        gc.enable()
    return clf, matcher, processes


def run(
    pending: Pending | None,
    input: Path | None,
    output: Path | None,
    version: str | None,
    workers: int | None,
) -> None:
    """Load (from the child's reads, else in this process), then score `input` into `output`."""
    # Why collections off while loading: it makes hundreds of thousands of long-lived
    # objects (index rows, entries, rule tables) that collections would walk again and
    # again (0.74 of 14.2 CPU-s on 20,000 tweets); none is collected during the load, then
    # all are frozen out of later collections, which also keeps forked workers from
    # writing to the pages they share.
    # Why first: the child may still be reading. A model's rules are the rulebook's (a
    # model from an older rule set, a subset), compiled once wherever `warm` meets them.
    compile_rules()
    snap = pending.result() if pending is not None else None
    loaded = _from_snapshot(snap, workers) if snap is not None else None
    if loaded is None:
        # Lazy on purpose: SQLAlchemy and the settings, only when the child's reads did not do.
        from monitor.cli.commands.classify_db import serial_start

        loaded = serial_start(version, workers)
    clf, matcher, processes = loaded
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
        if input is not None:
            source.close()
        if output is not None:
            sink.close()
        if is_process_entry():
            # Why: the process ends with this command. Unfrozen, the interpreter's last
            # collections walk the whole loaded heap after the last line is written (about
            # 0.27 CPU-s); frozen, they skip it. Nothing there waits for a collection: the
            # files are closed, the pool and the child are gone.
            gc.freeze()
        else:
            # A caller running this command in its own process (tests, notebooks) gets its
            # collector back as it was; a frozen heap would never be collected there.
            gc.set_threshold(*threshold)
            gc.unfreeze()
    if errors:
        echo_err(f"waspada: {ok} classified, {errors} line(s) with errors")
