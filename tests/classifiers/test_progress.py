"""Long jobs report their stages: a bar on a terminal, log lines elsewhere, nothing by default."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer

from classifiers.data.fetch import fetch_dataset
from classifiers.data.registry import DATASETS
from classifiers.models.train import TrainConfig, train
from classifiers.progress import stage
from monitor.core.progress import BarProgress, LogProgress, for_operator


class Recording:
    """Progress that remembers what it was told, to check the library reports faithfully."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, float | None]] = []
        self.open: str | None = None

    def begin(self, name: str, total: float | None = None, unit: str = "langkah") -> None:
        assert self.open is None, f"{name} began inside {self.open}"
        self.open = name
        self.events.append(("begin", name, total))

    def advance(self, amount: float = 1) -> None:
        assert self.open is not None, "advance outside a stage"
        self.events.append(("advance", self.open, amount))

    def end(self) -> None:
        assert self.open is not None, "end outside a stage"
        self.events.append(("end", self.open, None))
        self.open = None

    def stages(self) -> list[str]:
        return [name for kind, name, _ in self.events if kind == "begin"]

    def advanced(self, name: str | None = None) -> float:
        return sum(a or 0 for kind, n, a in self.events if kind == "advance" and name in (None, n))


def test_training_reports_each_stage_in_order(tmp_path: Path) -> None:
    seen = Recording()
    train(tmp_path, TrainConfig.small(), progress=seen)
    stages = seen.stages()
    assert stages[0] == "memuat dataset" and stages[1].startswith("melatih model (")
    assert stages[2:] == ["memilih ambang", "evaluasi"]
    assert seen.open is None  # every stage ended
    assert seen.advanced("evaluasi") == 3  # held-out, cross-dataset, production


def test_a_download_advances_by_its_bytes(
    shared_data: Path, tmp_path: Path, httpserver: HTTPServer
) -> None:
    ds = DATASETS["stopwords_id"]
    body = (shared_data / "stopwords_id" / ds.files[0].name).read_bytes()
    httpserver.expect_request(f"/m/stopwords_id/{ds.files[0].name}").respond_with_data(body)
    seen = Recording()
    with httpx.Client() as client:
        fetch_dataset(ds, tmp_path, client=client, mirror=httpserver.url_for("/m"), progress=seen)
    begin = [e for e in seen.events if e[0] == "begin"]
    assert begin == [("begin", f"mengunduh {ds.files[0].name}", len(body))]
    assert seen.advanced() == len(body)


def test_a_stage_ends_when_its_block_raises() -> None:
    seen = Recording()
    with pytest.raises(RuntimeError), stage(seen, "gagal"):
        raise RuntimeError("boom")
    assert seen.events[-1] == ("end", "gagal", None)


def test_log_lines_are_throttled_and_say_how_far(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="waspada.progress")
    every_time = LogProgress(every=0.0)
    every_time.begin("memuat dataset", 4, "dataset")
    every_time.advance()
    every_time.end()
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == "progress: memuat dataset"
    assert lines[1] == "progress: memuat dataset 1/4 dataset (25%)"
    assert lines[2].startswith("progress: memuat dataset selesai (")
    caplog.clear()
    rarely = LogProgress(every=3600.0)
    rarely.begin("melatih model")
    for _ in range(1000):
        rarely.advance()
    rarely.end()
    assert len(caplog.records) == 2  # start and end, not a thousand lines


def test_a_terminal_gets_a_bar_and_a_pipe_gets_log_lines() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Tty()
    bar = for_operator(screen)
    assert isinstance(bar, BarProgress)
    bar.begin("mengunduh data.csv", 2048, "B")
    bar.advance(1024)
    bar.end()
    assert "mengunduh data.csv" in screen.getvalue() and "%|" in screen.getvalue()
    assert isinstance(for_operator(io.StringIO()), LogProgress)
