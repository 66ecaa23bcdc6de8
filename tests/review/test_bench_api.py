"""`waspada bench api` runs end to end and prints its table and query plans.

No timing assertions: the figures are printed for people; the test proves the command works
(seeding, a real uvicorn on 127.0.0.1, every scenario answered without errors). SQLite only,
to keep the suite fast; the same code path runs on PostgreSQL with --database-url.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from monitor.cli.main import app
from tests.support.processes import waspada_env


def test_bench_api_prints_figures_and_plans(tmp_path: Path) -> None:
    env = waspada_env(tmp_path / "data")
    fresh_db_url = f"sqlite:///{tmp_path / 'bench.db'}"
    args = ["--posts", "2000", "--seconds", "0.5", "--rate", "20", "--decision-rate", "10"]
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "bench", "api", *args, "--database-url", fresh_db_url],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "p50 ms" in out and "p95 ms" in out and "p99 ms" in out and "req/s" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines() if line[:1].isalpha()}
    for scenario in ("queue", "queue-liaison", "detail", "decision", "queue-mix"):
        assert scenario in rows, out
    assert "errors:" not in out, out  # every request answered 2xx
    assert "-- plan: queue status=new" in out
    plan_words = ("ix_posts_flagged_status_priority_id", "Index Scan", "Bitmap", "SEARCH posts")
    assert any(word in out for word in plan_words), out
    # A database that already holds posts is refused rather than polluted (in process: the
    # refusal comes before any server starts).
    again = CliRunner().invoke(
        app, ["bench", "api", *args, "--database-url", fresh_db_url], env=env
    )
    assert again.exit_code == 1 and "scratch" in again.stderr
