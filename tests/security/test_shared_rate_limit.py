"""Several API processes on one PostgreSQL share each key's rate limit; SQLite keeps one process."""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.core.db import make_engine
from monitor.keys import service as keys
from monitor.keys.models import RateBucket
from tests.support.processes import free_port, start_waspada, wait_http, waspada_env

BURST = 7
FAILURES = 3


def _key(url: str) -> str:
    engine = make_engine(url)
    with Session(engine) as s:
        _, plaintext = keys.create_key(s, "shared", "reviewer")
        s.commit()
    engine.dispose()
    return plaintext


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


# Why one pair of servers for both budgets: the key's bucket and the failed-try bucket of an
# address are separate rows, and each pair of API processes costs seconds to start.
@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_two_api_processes_share_one_limit_and_one_failed_try_budget(
    fresh_db_url: str, tmp_path: Path
) -> None:
    key = _key(fresh_db_url)
    ports = [free_port(), free_port()]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for i, port in enumerate(ports):
            env = waspada_env(
                tmp_path / f"data{i}",
                fresh_db_url,
                WASPADA_API_PORT=str(port),
                # A token per 1,000 s: nothing refills while the test runs.
                WASPADA_API_RATE_LIMIT="0.001",
                WASPADA_API_RATE_BURST=str(BURST),
                WASPADA_AUTH_FAILURE_RATE="0.001",
                WASPADA_AUTH_FAILURE_BURST=str(FAILURES),
            )
            procs.append(start_waspada(["api"], env, tmp_path / f"api{i}.log"))
        for port, proc in zip(ports, procs, strict=True):
            wait_http(f"http://127.0.0.1:{port}/healthz", proc)
        headers = {"Authorization": f"Bearer {key}"}
        urls = [f"http://127.0.0.1:{ports[i % 2]}/api/v1/items?limit=1" for i in range(BURST + 1)]
        # Concurrently, half to each process: the bucket's row lock orders them.
        with ThreadPoolExecutor(max_workers=4) as pool:
            codes = list(pool.map(lambda u: httpx.get(u, headers=headers, timeout=30), urls))
        statuses = sorted(r.status_code for r in codes)
        assert statuses == [200] * BURST + [429], [r.text for r in codes if r.status_code != 200]
        refused = next(r for r in codes if r.status_code == 429)
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.headers["content-type"].startswith("application/problem+json")
        # Wrong keys, alternating processes: with a budget per process both would answer 401.
        failures = []
        for i in range(FAILURES + 2):
            url = f"http://127.0.0.1:{ports[i % 2]}/api/v1/items?limit=1"
            guess = {"Authorization": f"Bearer wsp_{i:012d}_{'Z' * 43}"}
            failures.append(httpx.get(url, headers=guess, timeout=30).status_code)
    finally:
        _stop(procs)
    assert failures == [401] * FAILURES + [429, 429]
    engine = make_engine(fresh_db_url)
    with Session(engine) as s:
        buckets = {b.actor: b for b in s.scalars(select(RateBucket))}
    engine.dispose()
    # One bucket for the key, whichever process answered; it is spent.
    spent = [b for actor, b in buckets.items() if actor.startswith("key:")]
    assert len(spent) == 1 and spent[0].tokens < 1 and spent[0].allowed is False
    assert "fail:addr:127.0.0.1" in buckets


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_workers_option_serves_from_several_processes(fresh_db_url: str, tmp_path: Path) -> None:
    key = _key(fresh_db_url)
    port = free_port()
    env = waspada_env(tmp_path / "data", fresh_db_url, WASPADA_API_PORT=str(port))
    proc = start_waspada(["api", "--workers", "2"], env, tmp_path / "api.log")
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz", proc)
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for _ in range(5):
                res = client.get("/api/v1/items", headers=headers)
                assert res.status_code == 200, res.text
                assert res.json()["items"] == []
    finally:
        _stop([proc])
    assert proc.returncode == 0, (tmp_path / "api.log").read_text()[-2000:]


# In process: the refusal comes before any server, database or lock (CliRunner, no start-up).
@pytest.mark.parametrize("fresh_db_url", ["sqlite"], indirect=True)
def test_several_workers_on_sqlite_are_refused_clearly(fresh_db_url: str, tmp_path: Path) -> None:
    env = waspada_env(tmp_path / "data", fresh_db_url, WASPADA_API_PORT=str(free_port()))
    refused = CliRunner().invoke(app, ["api", "--workers", "2"], env=env)
    assert refused.exit_code != 0
    assert "several API workers need PostgreSQL" in refused.stderr
    # `waspada up` honours the setting the same way, before touching the database.
    up = CliRunner().invoke(app, ["up"], env={**env, "WASPADA_API_WORKERS": "2"})
    assert up.exit_code != 0
    assert "several API workers need PostgreSQL" in up.stderr
    assert not (tmp_path / "data" / "waspada.lock").exists()
