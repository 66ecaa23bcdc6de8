"""Run `waspada` as a real subprocess and wait for its HTTP port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def waspada_env(data_dir: Path, database_url: str | None = None, **extra: str) -> dict[str, str]:
    """Environment for a subprocess: only our variables, pointed at test locations."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WASPADA_")}
    env["WASPADA_DATA_DIR"] = str(data_dir)
    # Test servers listen on 127.0.0.1: allow-listed explicitly (the outbound policy).
    env["WASPADA_OUTBOUND_ALLOW"] = "127.0.0.1"
    if database_url:
        env["WASPADA_DATABASE_URL"] = database_url
    env.update(extra)
    return env


def start_waspada(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start `python -m monitor ARGS` with output to a log file."""
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "monitor", *args], env=env, stdout=out, stderr=subprocess.STDOUT
        )


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> httpx.Response:
    """Poll `url` until it answers; fail early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"process exited with {proc.returncode} before serving {url}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout}s")
