"""`waspada up` as a real process: serves, refuses a second copy, stops on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.processes import free_port, start_waspada, wait_http, waspada_env


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


def test_up_serves_and_stops_on_sigterm(fresh_db_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = waspada_env(
        tmp_path / "data",
        fresh_db_url,
        WASPADA_API_PORT=str(port),
        WASPADA_SOURCES_FILE=str(tmp_path / "no-sources.toml"),
    )
    (tmp_path / "no-sources.toml").write_text("")
    log = tmp_path / "up.log"
    proc = start_waspada(["up"], env, log)
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_http(f"{base}/healthz", proc).status_code == 200
        assert wait_http(f"{base}/docs", proc).status_code == 200
        ready = wait_http(f"{base}/readyz", proc).json()
        assert ready["checks"]["database"]["ok"] is True
        if fresh_db_url.startswith("sqlite"):
            second = subprocess.run(
                [sys.executable, "-m", "monitor", "up"],
                env={**env, "WASPADA_API_PORT": str(free_port())},
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert second.returncode == 1 and "another waspada process" in second.stderr
    finally:
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=20)
    assert time.monotonic() - started < 10
    assert code == 0, log.read_text()
    text = log.read_text()
    assert "msg=stopped" in text and "Traceback" not in text
