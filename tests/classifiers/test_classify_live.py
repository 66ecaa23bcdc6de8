"""`waspada classify` on a live pipe: batches close on size or shortly after their first line."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence

from classifiers.contracts import Classification, Classifier, Matcher
from classifiers.models.train import TrainedModel
from monitor.modelversions import live, parallel, stream
from monitor.modelversions.stream import Parsed

HOSTILE: list[bytes] = [
    b"",
    b"   ",
    b"{not json",
    b"[1, 2, 3]",
    json.dumps({"id": True, "text": "id is a bool"}).encode(),
    json.dumps({"id": "no-text"}).encode(),
    b"\x00\xff\xfe binary \x80",
    b"\r",
    json.dumps({"id": "crlf", "text": "surat suara\r"}).encode() + b"\r",
    json.dumps({"id": "nul", "text": "\ud800 surat suara \udfff palsu \x00\x07"}).encode(),
    json.dumps({"id": "long", "text": "pilih nomor 2 dapat 100rb " * 5_000}).encode(),
    json.dumps(
        {"id": "\u00e9\u20ac", "text": "caf\u00e9 \u20ac100rb"}, ensure_ascii=False
    ).encode(),
    b"[" * 100_000,
]


def _lines(n: int) -> list[bytes]:
    rows = [json.dumps({"id": i, "text": f"Cuaca cerah di Bandung {i}"}).encode() for i in range(n)]
    for k, bad in enumerate(HOSTILE):
        rows.insert(k * 3, bad)
    return rows


def _pipe() -> tuple[int, int]:
    read_fd, write_fd = os.pipe()
    return read_fd, write_fd


def _feed(fd: int, data: bytes, seed: int) -> None:
    """Write `data` in random pieces (cutting lines and UTF-8 sequences), then close."""
    rng = random.Random(seed)
    at = 0
    while at < len(data):
        step = rng.choice([1, 3, 17, 500, 70_000])
        os.write(fd, data[at : at + step])  # a blocking write: the reader drains the pipe
        at += step
    os.close(fd)


def _flat(batches: Iterator[list[Parsed]]) -> list[list[Parsed]]:
    return [list(b) for b in batches]


def test_a_pipe_gives_the_same_batches_as_a_file_when_it_never_goes_quiet() -> None:
    lines = _lines(60)
    data = b"\n".join(lines)  # the last line has no newline, as files sometimes end
    for seed in (1, 2):
        read_fd, write_fd = _pipe()
        writer = threading.Thread(target=_feed, args=(write_fd, data, seed))
        writer.start()
        try:
            # A long linger: every batch here closes on size or at the end of input.
            got = _flat(live.live_batches(read_fd, 7, linger=60.0))
        finally:
            writer.join()
            os.close(read_fd)
        expected = _flat(stream.batches(io.BytesIO(data), 7))
        assert got == expected
        assert sum(len(b) for b in got) == len(lines) - 3  # the three blank lines
        assert any(p.error and "UTF-8" in p.error for b in got for p in b)


def test_a_quiet_pipe_closes_a_started_batch_and_owes_one_after_a_full_one() -> None:
    read_fd, write_fd = _pipe()
    todo = live.live_batches(read_fd, 4, linger=0.05)
    try:
        os.write(write_fd, b'{"id": 1, "text": "satu"}\n{"id": 2, "te')
        first = next(todo)  # one whole line and a half: the half waits for its end
        assert isinstance(first, live.Lingered) and [p.id for p in first] == [1]
        os.write(write_fd, b'xt": "dua"}\n\n' + b'{"id": 3, "text": "x"}\n' * 3)
        full = next(todo)
        assert not isinstance(full, live.Lingered) and [p.id for p in full] == [2, 3, 3, 3]
        owed = next(todo)  # nothing came after a full batch: an empty marker, once
        assert isinstance(owed, live.Lingered) and owed == []
        os.write(write_fd, b"{broken\n")
        last = next(todo)
        assert isinstance(last, live.Lingered) and last[0].error is not None
        os.close(write_fd)
        assert list(todo) == []
    finally:
        os.close(read_fd)


def test_only_pipes_and_terminals_are_live(tmp_path: object) -> None:
    assert live._live_fd(iter([b"x"])) is None
    assert live._live_fd(io.BytesIO(b"x")) is None
    read_fd, write_fd = _pipe()
    try:
        with os.fdopen(os.dup(read_fd), "rb") as pipe:
            assert live._live_fd(pipe) == pipe.fileno()
        with open(__file__, "rb") as regular:
            assert live._live_fd(regular) is None
    finally:
        os.close(read_fd)
        os.close(write_fd)


class _Sink(io.StringIO):
    """An output that acknowledges to the writer process when the line of `wanted` arrives."""

    def __init__(self, wanted: str, ack: int) -> None:
        super().__init__()
        self.wanted = wanted
        self.ack = ack

    def write(self, s: str) -> int:
        n = super().write(s)
        if self.wanted in s:
            os.write(self.ack, b"y")
        return n


class _Warmed:
    """The real classifier, counting the warm-ups that precede a pool's fork."""

    def __init__(self, inner: Classifier) -> None:
        self.inner = inner
        self.version = inner.version
        self.warmed = 0

    def warm(self) -> None:
        """Count, then build the real classifier's lazy parts."""
        self.warmed += 1
        getattr(self.inner, "warm", lambda: None)()

    def classify(
        self, texts: Sequence[str], matcher: Matcher | None = None
    ) -> list[Classification]:
        return self.inner.classify(texts, matcher)


# The writer is a process, as in `tail -f | waspada classify`: a thread's copy of the pipe's
# write end would be inherited by the forked workers and the input would never end.
_WRITER = """
import os, select, sys, time
head, last = sys.argv[1].encode(), sys.argv[2].encode()
os.write(1, head)  # three full batches of 8: the pool starts
time.sleep(0.3)
os.write(1, last)
ready, _, _ = select.select([0], [], [], 60.0)  # the answer, with stdout still open
sys.exit(0 if ready and os.read(0, 1) == b"y" else 3)
"""


def test_a_pool_answers_a_live_line_while_the_pipe_stays_open(small_model: TrainedModel) -> None:
    texts = ["Besok pagi ada serangan fajar 100rb per kepala", "Cuaca cerah di Bandung"] * 12
    lines = [json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts)]
    last = json.dumps({"id": "last", "text": "Coblos nomor 2 dapat 100rb"}) + "\n"
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, "".join(lines), last],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert writer.stdin is not None and writer.stdout is not None
    try:
        sink = _Sink('"id": "last"', writer.stdin.fileno())
        clf = _Warmed(small_model.classifier())
        with writer.stdout as source:
            got = parallel.run(clf, source, sink, workers=2, batch_size=8)
    finally:
        if writer.poll() is None:
            writer.kill()
        writer.wait()
    assert writer.returncode == 0  # it read the acknowledgement before closing its output
    assert got == (len(texts) + 1, 0)
    assert clf.warmed == 1  # the pool ran (it warms the parent before forking)
    expected = io.StringIO()
    raw = [line.encode() for line in [*lines, last]]
    stream.run(small_model.classifier(), iter(raw), expected, batch_size=8)
    assert sink.getvalue() == expected.getvalue()
