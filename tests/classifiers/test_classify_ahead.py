"""Language verdicts computed ahead by a helper change no output byte, whatever the helper does."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import pytest

from classifiers.models.train import TrainedModel
from classifiers.text.language import detect_language
from monitor.cli.bench.modelversions import real_tweets
from monitor.modelversions import ahead, parallel, stream
from tests.classifiers.test_classify_parallel import HOSTILE, _lines

SIZE = 16  # lines per batch: small, so a few hundred tweets make many batches


@pytest.fixture
def input_file(tmp_path: Path, shared_data: Path) -> Path:
    """Real tweets with hostile lines (bad JSON, bad UTF-8, NUL, huge lines) spread through."""
    path = tmp_path / "posts.jsonl"
    path.write_bytes(b"\n".join(_lines(real_tweets(160, shared_data))) + b"\n")
    return path


def _run(model: TrainedModel, path: Path, helper: ahead.Ahead | None) -> tuple[str, int]:
    out = io.StringIO()
    with path.open("rb") as source:
        got = parallel.run(
            model.classifier(), source, out, workers=2, batch_size=SIZE, ahead=helper
        )
    assert got[1] == 6  # the hostile lines, answered as errors either way
    return out.getvalue(), got[0]


def test_verdicts_ahead_are_used_and_change_no_byte(
    small_model: TrainedModel, input_file: Path
) -> None:
    want, _ = _run(small_model, input_file, None)
    helper = ahead.Ahead(input_file, None, batch_size=SIZE)
    _read_all(helper)
    try:
        got, _ = _run(small_model, input_file, helper)
    finally:
        helper.close()
    assert got == want
    n_batches = len(want.splitlines()) // SIZE + 1
    assert helper.used == n_batches >= 10


def _read_all(helper: ahead.Ahead) -> None:
    deadline = time.monotonic() + 60
    while helper._open and time.monotonic() < deadline:  # read until the helper is done,
        helper.take(-1)  # so every batch finds its verdicts (no batch -1: nothing counted)
        time.sleep(0.005)


def test_a_helper_that_dies_is_stopped_or_capped_changes_no_byte(
    small_model: TrainedModel, input_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    want, _ = _run(small_model, input_file, None)
    killed = ahead.Ahead(input_file, None, batch_size=SIZE)
    killed._process.kill()  # mid-way or before it sent anything: the reader must not hang
    stopped = ahead.Ahead(input_file, None, batch_size=SIZE)
    stopped.stop()
    monkeypatch.setattr(ahead, "MAX_BATCHES", 3)  # memory bound: inherited by the fork
    capped = ahead.Ahead(input_file, None, batch_size=SIZE)
    _read_all(capped)
    for helper in (killed, stopped, capped):
        try:
            assert _run(small_model, input_file, helper)[0] == want
        finally:
            helper.close()
    assert capped.used == 3


def test_verdicts_are_used_by_text_never_by_position(small_model: TrainedModel) -> None:
    texts = ["Besok pagi ada serangan fajar 100rb per kepala", "The weather is nice today"]
    raw = [json.dumps({"id": i, "text": t}) for i, t in enumerate(texts)] + [HOSTILE[2]]
    items = [p for n, line in enumerate(raw) if (p := stream.item_of(line, n)) is not None]
    assert len(items) == 3 and items[2].error is not None
    clf = small_model.classifier()
    want = stream.score_batch(clf, items, None)
    # Verdicts of other texts (a file changed under the helper) and a partial set.
    other = {"kalimat lain sama sekali": detect_language("kalimat lain sama sekali")}
    partial = {texts[1]: detect_language(texts[1])}
    for known in (other, partial, {}, None):
        assert stream.score_batch(clf, items, None, known) == want


def test_no_helper_for_stdin_small_files_or_one_worker(tmp_path: Path, input_file: Path) -> None:
    small = tmp_path / "small.jsonl"
    small.write_text('{"id": 1, "text": "halo"}\n', encoding="utf-8")
    assert ahead.start(None, 2, None) is None
    assert ahead.start(small, 2, None) is None
    assert ahead.start(input_file, 1, None) is None
    assert ahead.start(tmp_path / "gone.jsonl", 2, None) is None
    assert input_file.stat().st_size >= ahead.MIN_BYTES  # the fixture itself would get one
