"""Language verdicts computed ahead by a helper process while `classify` loads its model.

Why: the start of `waspada classify` (model, fact-check index, warm-up: about 0.7 s after the
imports) runs on one core while the other idles, and nothing can be scored before it ends.
The language check needs neither the model nor the index and costs about 0.03 ms a post (a
twentieth of scoring), so a helper forked before the loads reads the input file itself and
identifies the languages of the first batches in that idle time; the workers then look the
verdicts up instead of computing them. A verdict is a pure function of the text, so it is
used by text (never by position): a file that changed under the helper, a helper that died
or fell behind only means the worker computes what is missing. Output bytes are the same.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
from pathlib import Path
from typing import Any

from classifiers.text.language import LanguageResult, detect_language, use_model_cache
from monitor.modelversions.stream import BATCH, batches

# Below this size the input cannot fill the three batches that start a pool: no helper.
MIN_BYTES = 64 * 1024
# At most this many batches ahead (about 0.7 s of start-up covers some 30 of them): memory
# stays bounded when the start is long (a first use that trains) and the input is huge.
MAX_BATCHES = 64


def _identify(path: Path, batch_size: int, cache_dir: Path | None, conn: Any, stop: Any) -> None:
    use_model_cache(cache_dir)
    # Why a sending thread: the parent reads nothing while it loads, and a pipe holds about
    # one batch; the helper keeps checking languages while its outbox waits to be read.
    outbox: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def send() -> None:
        while (message := outbox.get()) is not None:
            conn.send(message)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        with path.open("rb") as source:
            for number, batch in enumerate(batches(source, batch_size)):
                if number >= MAX_BATCHES or stop.is_set():
                    break
                verdicts: dict[str, LanguageResult] = {}
                for item in batch:
                    text = item.text
                    if item.error is None and text is not None and text not in verdicts:
                        verdicts[text] = detect_language(text)
                outbox.put((number, verdicts))
    finally:
        outbox.put(None)
        sender.join()
        conn.close()


class Ahead:
    """The helper's verdicts, one dict (text to verdict) per input batch, taken without waiting."""

    def __init__(self, path: Path, cache_dir: Path | None, batch_size: int = BATCH) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, sending = context.Pipe(duplex=False)
        self._stop = context.Event()
        self._got: dict[int, dict[str, LanguageResult]] = {}
        self._open = True
        self.used = 0  # batches that found their verdicts ready (for tests and figures)
        self._process = context.Process(
            target=_identify, args=(path, batch_size, cache_dir, sending, self._stop), daemon=True
        )
        self._process.start()
        # Only the helper may hold the sending end: if it dies mid-message, reading ends
        # with EOFError instead of waiting for a writer that will never write.
        sending.close()

    def stop(self) -> None:
        """Tell the helper to check no further batch (the workers are about to start).

        Why: past the start-up the second core is busy scoring, and the helper (which also
        parses every line and pickles its answers) costs more per post than the check it
        saves a worker.
        """
        self._stop.set()

    def take(self, number: int) -> dict[str, LanguageResult] | None:
        """Return batch `number`'s verdicts if the helper sent them already, else None."""
        while self._open:
            try:
                if not self._conn.poll():
                    break
                got, verdicts = self._conn.recv()
            except (EOFError, OSError, ValueError, TypeError):
                self._open = False  # finished or died: the workers check what is missing
                break
            self._got[got] = verdicts
        found = self._got.pop(number, None)
        self.used += found is not None
        return found

    def close(self) -> None:
        """Stop the helper (finished or not) and release its pipe."""
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._conn.close()


def start(path: Path | None, workers: int, cache_dir: Path | None) -> Ahead | None:
    """Start the helper for a regular input file large enough for a pool of `workers`."""
    if path is None or workers <= 1:
        return None
    try:
        if path.stat().st_size < MIN_BYTES:
            return None
    except OSError:
        return None
    return Ahead(path, cache_dir)
