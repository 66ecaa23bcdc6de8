"""`waspada` as a real process: help, and clear refusals before anything starts.

Serving, refusing a second `up` on SQLite and stopping on SIGTERM are checked by
`tests/collectors/test_up_e2e.py`, which runs `up` on both databases anyway.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.processes import waspada_env


def test_help_lists_commands() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "monitor", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("up", "api", "scheduler", "db"):
        assert command in out


def test_invalid_setting_exits_2_naming_variable(tmp_path: Path) -> None:
    env = waspada_env(tmp_path, WASPADA_API_PORT="not-a-port")
    res = subprocess.run(
        [sys.executable, "-m", "monitor", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 2
    assert "WASPADA_API_PORT" in res.stderr and "Traceback" not in res.stderr


def test_unreachable_database_fails_clearly(tmp_path: Path) -> None:
    env = waspada_env(
        tmp_path, "postgresql+psycopg://w:topsecret@127.0.0.1:9/w", WASPADA_DB_WAIT="PT1S"
    )
    res = subprocess.run(
        [sys.executable, "-m", "monitor", "db", "upgrade"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert res.returncode == 1
    assert "unreachable" in res.stderr and "topsecret" not in res.stderr
