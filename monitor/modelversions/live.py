"""Batches from a live pipe: a batch closes when full OR shortly after its first line.

Why: `tail -f posts.jsonl | waspada classify` must answer a single line promptly, while a
file keeps full batches of 512. A regular file (or any iterable) is batched by size alone,
exactly as before; a pipe, terminal or socket is read with `select`, and a batch that is not
full is closed once `LINGER` seconds passed since its first line without it filling up.
"""

from __future__ import annotations

import os
import select
import stat
import time
from collections.abc import Iterable, Iterator

from monitor.modelversions.stream import Parsed, batches, item_of

# How long a started batch waits for more lines from a live pipe before it is scored.
LINGER = 0.2
_CHUNK = 1 << 16


class Lingered(list[Parsed]):
    """A batch closed by the time bound: the source had no more lines ready."""


def _live_fd(source: object) -> int | None:
    # Only a pipe, terminal or socket can go quiet while still open; a regular file is
    # always readable, so it keeps the size-only path (same batches, same bytes).
    fileno = getattr(source, "fileno", None)
    if not callable(fileno):
        return None
    try:
        fd = int(fileno())
        mode = os.fstat(fd).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode) or stat.S_ISBLK(mode):
        return None
    return fd


def is_live(source: object) -> bool:
    """Return whether `source` is a pipe, terminal or socket (read with `live_batches`)."""
    return _live_fd(source) is not None


def input_batches(source: Iterable[bytes | str], size: int) -> Iterator[list[Parsed]]:
    """Yield batches of `size` from a file, or size-or-time-bound batches from a live pipe."""
    fd = _live_fd(source)
    if fd is None:
        return batches(source, size)
    return live_batches(fd, size)


def _wait(fd: int, timeout: float | None) -> bool:
    """Return whether `fd` has data (or EOF) ready within `timeout` seconds (None: forever)."""
    if timeout is None:
        return True  # the read itself blocks
    ready, _, _ = select.select([fd], [], [], max(0.0, timeout))
    return bool(ready)


def live_batches(fd: int, size: int, linger: float = LINGER) -> Iterator[list[Parsed]]:
    """Yield batches from `fd`: full ones, or a `Lingered` one `linger` s after its first line.

    A `Lingered` batch may be empty (see `owed`); consumers skip it after writing what they hold.
    """
    batch: list[Parsed] = []
    tail = b""
    n = 0
    deadline = 0.0
    # After a full batch, a quiet source yields one empty `Lingered` batch: a pool holding
    # full batches in flight writes them then, instead of waiting for the next line.
    owed = False
    while True:
        if batch:
            timeout: float | None = deadline - time.monotonic()
        else:
            timeout = linger if owed else None
        if not _wait(fd, timeout):
            yield Lingered(batch)
            batch, owed = [], False
            continue
        chunk = os.read(fd, _CHUNK)
        if not chunk:
            break
        lines = (tail + chunk).split(b"\n")
        tail = lines.pop()
        for raw in lines:
            n += 1
            item = item_of(raw + b"\n", n)
            if item is None:
                continue
            if not batch:
                deadline = time.monotonic() + linger
            batch.append(item)
            if len(batch) >= size:
                yield batch
                batch, owed = [], True
    if tail:  # a last line without its newline, as a file iterator yields it
        n += 1
        item = item_of(tail, n)
        if item is not None:
            batch.append(item)
    if batch:
        yield batch
