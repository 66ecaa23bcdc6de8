"""ruff and mypy are part of the suite, so one command checks everything CI checks."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "command",
    [["ruff", "check", "."], ["ruff", "format", "--check", "."], ["mypy"]],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_tool_is_clean(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        pytest.fail(f"{command[0]} is not installed; install the [test] extra")
    exe = [sys.executable, "-m", *command]
    res = subprocess.run(exe, cwd=ROOT, capture_output=True, text=True, check=False, timeout=600)
    assert res.returncode == 0, res.stdout[-5000:] + res.stderr[-2000:]
