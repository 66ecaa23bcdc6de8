"""`waspada classify`'s database reads in a forked child while the command imports its scoring code.

Why: the start of `waspada classify` was serial on one core while the other sat idle.
Its two halves are independent until the model loads: SQLAlchemy, the settings and the
reads of the promoted model and the debunks (about 0.45 s of CPU), and NumPy, SciPy and
the rule patterns (about as much). The child does the first half on the other core and
hands back plain values (the model's row, the rows of the debunks, five settings).

The child takes only the plain path: settings valid, schema at head, the version found,
the database reachable at once. Anything else, or a child that dies, answers None and the
command takes its one-process path, which reports or repairs it as before. The child never
writes to the database or to the terminal.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the parent imports this module before NumPy: the type only
    from monitor.factchecks.snapshot import Row


@dataclass(frozen=True)
class Model:
    """The fields of a `ModelVersion` row that loading its scoring file needs."""

    version: str
    path: str
    card: dict[str, Any]


@dataclass(frozen=True)
class Snapshot:
    """What the command's start read from the settings and the database."""

    url: str  # the database URL without its password (the saved index's name)
    data_dir: Path
    classify_workers: int
    log_level: str
    log_format: str
    model: Model
    rows: list[Row]  # every fact-check by id (`factchecks.repository.all_rows`)


class Pending:
    """A child reading the snapshot; `result` waits for it."""

    def __init__(self, pid: int, fd: int) -> None:
        self._pid = pid
        self._fd = fd

    def result(self) -> Snapshot | None:
        """Return the child's snapshot, None when it took no plain path or died."""
        chunks = []
        try:
            while chunk := os.read(self._fd, 1 << 20):
                chunks.append(chunk)
        finally:
            os.close(self._fd)
            _, status = os.waitpid(self._pid, 0)
        if status != 0 or not chunks:
            return None
        got = json.loads(b"".join(chunks))  # plain values: the card and the rows are JSON/text
        if got is None:
            return None
        url, data_dir, workers, level, fmt, (version, path, card), rows = got
        model = Model(version, path, card)
        return Snapshot(url, Path(data_dir), workers, level, fmt, model, [tuple(r) for r in rows])


def start(version: str | None) -> Pending | None:
    """Fork the child that reads `version` (None: the promoted one) and the debunks."""
    try:
        read, write = os.pipe()
        pid = os.fork()
    except OSError:
        return None
    if pid:
        os.close(write)
        return Pending(pid, read)
    # The child: nothing it does may reach the terminal or run the parent's exit handlers.
    try:
        os.close(read)
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)
        os.dup2(quiet, 2)
        try:
            payload = json.dumps(_read(version)).encode()
        except BaseException:  # any failure means: take the one-process path
            payload = b"null"
        view = memoryview(payload)
        while view:
            view = view[os.write(write, view) :]
    finally:
        os._exit(0)


def _read(version: str | None) -> tuple[Any, ...] | None:
    # Imported here, in the child: the parent must not pay for SQLAlchemy or the settings.
    from monitor.core import migrate
    from monitor.core.runtime import build_runtime
    from monitor.core.settings import load_settings
    from monitor.factchecks import repository as factchecks
    from monitor.modelversions import repository as models

    settings = load_settings()
    # wait=False: a database that is not there yet is the one-process path's to wait for.
    rt = build_runtime(settings, wait=False)
    try:
        if not migrate.is_at_head(rt.engine):
            return None
        with rt.session() as session:
            row = models.get(session, version) if version else models.promoted(session)
            if row is None:
                return None
            model = (row.version, row.path, row.card)
            rows = [tuple(r) for r in factchecks.all_rows(session)]
        url = rt.engine.url.render_as_string(hide_password=True)
    finally:
        rt.close()
    return (
        url,
        str(settings.data_dir),
        settings.classify_workers,
        settings.log_level,
        settings.log_format,
        model,
        rows,
    )
