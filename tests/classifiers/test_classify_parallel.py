"""`waspada classify` on several processes writes exactly what one process writes."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Sequence
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest

from classifiers.contracts import Classification, Classifier, Matcher
from classifiers.factcheck.datasets import MatchingData, load_matching_data
from classifiers.factcheck.evaluate import build_index
from classifiers.factcheck.index import FactCheckEntry, FactCheckIndex
from classifiers.factcheck.matcher import FactCheckMatcher
from classifiers.models.train import TrainedModel
from monitor.cli.bench.modelversions import real_tweets
from monitor.modelversions import parallel, stream
from tests.conftest import SHARED_DATA

HOSTILE: list[bytes] = [
    b"",
    b"   ",
    b"{not json",
    b"[1, 2, 3]",
    json.dumps({"id": True, "text": "id is a bool"}).encode(),
    json.dumps({"id": "no-text"}).encode(),
    b"\x00\xff\xfe binary \x80",
    json.dumps({"id": "nul", "text": "\ud800 surat suara \udfff palsu \x00\x07"}).encode(),
    json.dumps({"id": "long", "text": "pilih nomor 2 dapat 100rb " * 5_000}).encode(),
    json.dumps({"id": "empty", "text": ""}).encode(),
    b"[" * 100_000,
]


class _Recording:
    """The real classifier, noting which process scored each batch."""

    def __init__(self, inner: Classifier) -> None:
        self.inner = inner
        self.version = inner.version
        self.pids: list[int] = []
        self.warmed: list[int] = []

    def warm(self) -> None:
        """Build the real classifier's lazy parts, noting the process (the pool's parent)."""
        self.warmed.append(os.getpid())
        warm = getattr(self.inner, "warm", None)
        if callable(warm):
            warm()

    def classify(
        self, texts: Sequence[str], matcher: Matcher | None = None
    ) -> list[Classification]:
        self.pids.append(os.getpid())
        return self.inner.classify(texts, matcher)


def _lines(texts: list[str]) -> list[bytes]:
    rows = [
        json.dumps({"id": i, "text": t}, ensure_ascii=False).encode() for i, t in enumerate(texts)
    ]
    # Hostile lines spread through the batches, not only in the first one.
    step = max(1, len(rows) // len(HOSTILE))
    for k, bad in enumerate(HOSTILE):
        rows.insert(k * step + k, bad)
    return rows


def _both(
    clf: Classifier, lines: list[bytes], matcher: Matcher | None, workers: int, size: int
) -> tuple[tuple[int, int], str]:
    one, many = io.StringIO(), io.StringIO()
    warned_one: list[str] = []
    warned_many: list[str] = []
    got_one = stream.run(
        clf, iter(lines), one, matcher=matcher, warn=warned_one.append, batch_size=size
    )
    got_many = parallel.run(
        clf,
        iter(lines),
        many,
        matcher=matcher,
        warn=warned_many.append,
        workers=workers,
        batch_size=size,
    )
    assert got_many == got_one and warned_many == warned_one
    assert many.getvalue() == one.getvalue()
    return got_one, one.getvalue()


@pytest.fixture(scope="module")
def matching() -> tuple[MatchingData, FactCheckMatcher]:
    """The 2024 matching data and a matcher over its debunks (built once for the module)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"public datasets not found at {SHARED_DATA}")
    data = load_matching_data(SHARED_DATA)
    return data, FactCheckMatcher(build_index(data, with_bdc=False))


def test_two_processes_equal_one_on_real_tweets_claims_and_hostile_lines(
    small_model: TrainedModel, shared_data: Path, matching: tuple[MatchingData, FactCheckMatcher]
) -> None:
    data, matcher = matching
    claims = [p.claim for p in data.test_pairs_2024][:300]
    texts = [*real_tweets(1_200, shared_data), *claims]
    lines = _lines(texts)
    clf = _Recording(small_model.classifier())
    (ok, errors), text = _both(clf, lines, matcher, workers=2, size=64)
    assert ok == len(texts) + 3 and errors == 6  # bool id, no text, binary, 2 bad JSON, array
    out = [json.loads(line) for line in text.splitlines()]
    assert sum(o.get("factcheck") is not None for o in out) >= 50
    # The one-process run scored every batch here; the pool's batches were scored elsewhere.
    assert clf.pids and set(clf.pids) == {os.getpid()}
    assert clf.warmed == [os.getpid()]  # once, in the parent, before the fork
    assert len(clf.pids) == (len(lines) - 2 + 63) // 64  # blank lines are skipped, not batched


def test_pool_is_used_from_three_batches_and_not_below(small_model: TrainedModel) -> None:
    texts = ["Besok pagi ada serangan fajar 100rb per kepala", "Cuaca cerah di Bandung"] * 40
    lines = _lines(texts)
    for size, in_pool in ((64, False), (20, True)):
        clf = _Recording(small_model.classifier())
        out = io.StringIO()
        parallel.run(clf, iter(lines), out, workers=2, batch_size=size)
        assert (clf.pids == []) == in_pool
        assert clf.warmed == ([os.getpid()] if in_pool else [])
        expected = io.StringIO()
        stream.run(small_model.classifier(), iter(lines), expected, batch_size=size)
        assert out.getvalue() == expected.getvalue()


class _DiesInWorker(_Recording):
    """The real classifier in the parent; a worker process exits as if killed."""

    def __init__(self, inner: Classifier) -> None:
        super().__init__(inner)
        self.parent = os.getpid()

    def classify(
        self, texts: Sequence[str], matcher: Matcher | None = None
    ) -> list[Classification]:
        if os.getpid() != self.parent:
            os._exit(9)
        return super().classify(texts, matcher)


def test_a_dead_worker_stops_the_run_with_an_error(small_model: TrainedModel) -> None:
    lines = _lines(["Cuaca cerah di Bandung"] * 100)
    with pytest.raises(BrokenProcessPool):
        parallel.run(
            _DiesInWorker(small_model.classifier()),
            iter(lines),
            io.StringIO(),
            workers=2,
            batch_size=10,
        )


def test_worker_count_is_the_setting_or_the_cpus() -> None:
    assert parallel.worker_count(3) == 3
    assert parallel.worker_count(0) == len(os.sched_getaffinity(0)) >= 1


def test_warm_builds_the_lazy_parts_a_worker_would_build(small_model: TrainedModel) -> None:
    index = FactCheckIndex()
    index.add([FactCheckEntry("k1", "Surat suara sudah dicoblos sebelum hari pemungutan")])
    clf = small_model.classifier()
    parallel.warm(clf, FactCheckMatcher(index), None, object())  # no `warm`: left alone
    assert index._cache is not None and index._flat is not None
    compiled = clf.compiled
    assert "coef" in compiled._state
    rules = [c for c in compiled._state["rules"] if c is not None]
    assert rules and all(gated._compiled_branches is not None for _, gated in rules)


class _Counting(_Recording):
    """The real classifier, noting every text it was asked to score."""

    def __init__(self, inner: Classifier) -> None:
        super().__init__(inner)
        self.texts: list[str] = []

    def classify(
        self, texts: Sequence[str], matcher: Matcher | None = None
    ) -> list[Classification]:
        self.texts.extend(texts)
        return super().classify(texts, matcher)


def test_copies_inside_a_batch_are_scored_once_and_answered_alike(
    small_model: TrainedModel, shared_data: Path, matching: tuple[MatchingData, FactCheckMatcher]
) -> None:
    data, matcher = matching
    claims = [p.claim for p in data.test_pairs_2024][:30]
    texts = list(dict.fromkeys([*real_tweets(100, shared_data), *claims]))
    # Each text, then an exact copy and a copy differing only in invisible padding, in one batch.
    copies = [v for t in texts for v in (t, t, "\u200b" + t)]
    lines = [json.dumps({"id": i, "text": t}).encode() for i, t in enumerate(copies)]
    clf = _Counting(small_model.classifier())
    out = io.StringIO()
    assert stream.run(clf, iter(lines), out, matcher=matcher, batch_size=60) == (len(copies), 0)
    # Each distinct text once (padding is stripped first; foreign texts are not scored).
    assert len(set(clf.texts)) == len(clf.texts) > len(texts) // 2
    alone = io.StringIO()
    stream.run(small_model.classifier(), iter(lines[::3]), alone, matcher=matcher, batch_size=60)
    expected = [json.loads(line) for line in alone.getvalue().splitlines()]
    got = [json.loads(line) for line in out.getvalue().splitlines()]
    assert sum(o["factcheck"] is not None for o in expected) >= 10
    for k, obj in enumerate(got):
        assert obj["id"] == k
        assert {**obj, "id": None} == {**expected[k // 3], "id": None}


def test_pieces_keep_the_order_in_slices_of_the_largest_batch() -> None:
    batches = [[stream.Parsed(n) for n in range(k, k + 10)] for k in (0, 10)] + [
        [stream.Parsed(20)]
    ]
    pieces = list(parallel._pieces(batches, 4))
    assert [len(p) for p in pieces] == [3] * 7  # 21 items, a quarter of 10 rounded up
    assert [p.line_no for piece in pieces for p in piece] == list(range(21))
    assert list(parallel._pieces([], 4)) == [] and list(parallel._pieces([[]], 4)) == []


class _SizesInFile(_Recording):
    """The real classifier, appending each call's text count to a file (workers too)."""

    def __init__(self, inner: Classifier, path: Path) -> None:
        super().__init__(inner)
        self.path = path

    def classify(
        self, texts: Sequence[str], matcher: Matcher | None = None
    ) -> list[Classification]:
        with self.path.open("a") as log:
            log.write(f"{len(texts)}\n")
        return super().classify(texts, matcher)


def test_a_files_last_batches_are_scored_in_pieces_and_a_pipes_are_not(
    small_model: TrainedModel, tmp_path: Path
) -> None:
    texts = [
        f"Besok pagi ada serangan fajar {i}rb per kepala di desa nomor {i}" for i in range(200)
    ]
    data = b"".join(json.dumps({"id": i, "text": t}).encode() + b"\n" for i, t in enumerate(texts))
    expected = io.StringIO()
    stream.run(small_model.classifier(), iter(data.splitlines(True)), expected, batch_size=20)
    path = tmp_path / "in.jsonl"
    path.write_bytes(data)
    sizes = tmp_path / "sizes"
    with path.open("rb") as source:
        out = io.StringIO()
        clf = _SizesInFile(small_model.classifier(), sizes)
        assert parallel.run(clf, source, out, workers=2, batch_size=20) == (200, 0)
    assert out.getvalue() == expected.getvalue()
    # The last two batches (one per worker) in quarters; the other eight whole.
    assert sorted(map(int, sizes.read_text().split())) == [5] * 8 + [20] * 8
    sizes.unlink()
    read, write = os.pipe()
    os.write(write, data)  # 15 kB: fits the pipe's buffer
    os.close(write)
    with os.fdopen(read, "rb") as source:
        out = io.StringIO()
        clf = _SizesInFile(small_model.classifier(), sizes)
        assert parallel.run(clf, source, out, workers=2, batch_size=20) == (200, 0)
    assert out.getvalue() == expected.getvalue()
    assert sorted(map(int, sizes.read_text().split())) == [20] * 10  # live: nothing waits
