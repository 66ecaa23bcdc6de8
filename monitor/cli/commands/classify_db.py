"""Loading a model and the debunks through the database: `classify`'s one-process start.

`ready_runtime` and `classifier_for` are shared with the other model commands. A version with
a scoring file loads without scikit-learn or skops (first line in under two seconds); older
versions and the first training take the full path, imported only then. Scoring only reads,
so the command starts without every ORM model (`monitor.cli.plumbing`, not `common`).
`waspada classify` comes here when its child's reads (`monitor.cli.prefetch`) found anything
but the plain case: a schema to migrate, no promoted model, an error to report.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from classifiers.contracts import Classifier, Matcher
from classifiers.text.language import use_model_cache
from monitor.cli.commands.classify_score import model_errors
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
            with model_errors(row.version):
                fast = load_for_scoring(row)
                if fast is not None:
                    return fast
                # Lazy on purpose: the skops path imports all of sklearn (over a second), and
                # only versions registered before the scoring file need it.
                from monitor.modelversions.loading import load_version

                return load_version(row)
    echo_err("waspada: no promoted model; training the default model first (once) ...")
    # Training writes rows (the version, its audit event): every table must be registered
    # before that flush (`monitor.cli.common`); scoring only reads and skips that import.
    import monitor.tables  # noqa: F401
    from monitor.research.defaults import ensure_default_model  # training: sklearn, minutes

    return ensure_default_model(rt, for_operator())


def serial_start(
    version: str | None, workers: int | None
) -> tuple[Classifier, Matcher | None, int]:
    """Return the classifier, the matcher and the worker count, all read in this process."""
    with ready_runtime() as rt:
        clf = classifier_for(rt, version)  # collections on: this may train (first use)
        gc.disable()  # why: `classify_score.run`
        try:
            with rt.session() as session:
                matcher = load_matcher(session, rt.settings.data_dir)
            use_model_cache(rt.settings.data_dir)
            processes = worker_count(rt.settings.classify_workers if workers is None else workers)
            parallel.warm(clf, matcher)  # what the first batch builds anyway, before freezing
        finally:
            gc.enable()
    return clf, matcher, processes
