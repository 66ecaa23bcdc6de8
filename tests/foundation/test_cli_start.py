"""`waspada --help` answers without importing the heavy libraries; help lines match commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer import _click as click
from typer.testing import CliRunner

from monitor.cli.main import BENCH_COMMANDS, COMMANDS, LazyGroup, app

HEAVY = ("sklearn", "scipy", "fastapi", "uvicorn", "sqlalchemy", "selectolax", "skops", "httpx")


def _imported_modules(*args: str) -> set[str]:
    """Run `python -X importtime -m monitor ARGS` and return every module it imported."""
    res = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "monitor", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "100"},
        timeout=120,
        check=False,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert "Commands" in res.stdout
    return {
        line.split("|")[-1].strip()
        for line in res.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


@pytest.mark.parametrize("args", [("--help",), ("bench", "--help")])
def test_help_imports_no_heavy_library(args: tuple[str, ...]) -> None:
    modules = _imported_modules(*args)
    loaded = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert not loaded, f"`waspada {' '.join(args)}` imported {loaded[:10]}"
    # No domain module either: the command table alone answers --help.
    assert not {m for m in modules if m.startswith(("monitor.", "classifiers", "api"))} - {
        "monitor.cli",
        "monitor.cli.main",
        "monitor.__main__",
    }


# The commands that start servers, workers and collectors, or answer `classify` from the
# scoring file: none of them trains, so none should pay for scikit-learn at start-up.
NO_TRAINING = (
    "monitor.cli.serve",
    "monitor.cli.worker",
    "monitor.cli.commands.sources",
    "monitor.cli.commands.posts",
    "monitor.cli.commands.classify",
)


def test_serving_and_collecting_commands_start_without_scikit_learn() -> None:
    code = (
        f"import sys\nfor m in {NO_TRAINING!r}: __import__(m)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sklearn', 'skops'}))"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "[]", f"imported at start-up: {res.stdout.strip()}"


def _loaded(table: dict[str, object]) -> dict[str, click.Command]:
    return {name: entry.load() for name, entry in table.items()}  # type: ignore[attr-defined]


@pytest.mark.parametrize("table", [COMMANDS, BENCH_COMMANDS], ids=["waspada", "bench"])
def test_help_lines_match_the_loaded_commands(table: dict[str, object]) -> None:
    for name, cmd in _loaded(table).items():
        shown = table[name].help  # type: ignore[attr-defined]
        assert cmd.get_short_help_str(limit=200) == shown, f"help line of `{name}` drifted"


def test_unknown_command_is_an_error_and_a_known_one_runs() -> None:
    runner = CliRunner()
    unknown = runner.invoke(app, ["nope"])
    assert unknown.exit_code == 2 and "No such command" in unknown.output
    listed = runner.invoke(app, ["bench", "--help"])
    assert listed.exit_code == 0 and "classify" in listed.output
    sub = runner.invoke(app, ["regions", "search", "Jabar"])
    assert sub.exit_code == 0 and "Jawa Barat" in sub.output


def test_every_group_is_lazy() -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, LazyGroup)
    assert group.list_commands(click.Context(group)) == list(COMMANDS)


def test_each_command_group_sees_the_whole_schema_in_its_own_process(tmp_path: Path) -> None:
    """A command loads only its own module; writes across domains' foreign keys still work."""
    env = {**os.environ, "WASPADA_DATA_DIR": str(tmp_path / "data")}
    env.pop("WASPADA_DATABASE_URL", None)
    debunks = tmp_path / "debunks.jsonl"
    debunks.write_text(
        '{"id": "tbh-1", "title": "[SALAH] Surat Suara Sudah Dicoblos di Gudang KPU",'
        ' "publisher": "turnbackhoax"}\n',
        encoding="utf-8",
    )
    runs = [
        ["db", "upgrade"],
        ["factchecks", "import", str(debunks)],  # factchecks.source_id -> sources.id
        ["keys", "create", "--role", "admin", "--name", "ops"],
        ["audit", "verify"],
        ["sources", "list"],
        ["alerts", "list"],
    ]
    for args in runs:
        res = subprocess.run(
            [sys.executable, "-m", "monitor", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )
        assert res.returncode == 0, f"waspada {' '.join(args)}: {res.stderr[-1500:]}"
