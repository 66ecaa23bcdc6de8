"""`waspada bench ingest` runs end to end on both databases and prints its figures."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from monitor.cli.main import app


def test_bench_ingest_prints_figures(fresh_db_url: str) -> None:
    args = ["bench", "ingest", "--posts", "300", "--per-source", "100", "--no-classify"]
    res = CliRunner().invoke(app, [*args, "--database-url", fresh_db_url])
    assert res.exit_code == 0, res.stdout + res.stderr
    out = res.stdout
    stored = re.search(r"stored (\d+) posts \((\d+) exact copies linked", out)
    assert stored is not None
    copies = int(stored.group(2))
    assert int(stored.group(1)) == 300 and 0 < copies < 60  # ~5% exact copies, linked
    assert "fetch+parse alone: 300 posts" in out
    assert re.search(r"arrival hooks took [\d.]+s \(regions [\d.]+s, clusters [\d.]+s", out)
    assert re.search(r"end to end: 300 posts in [\d.]+s = [\d,]+ posts/s", out)
    assert "peak memory" in out
    again = CliRunner().invoke(app, [*args, "--database-url", fresh_db_url])
    assert again.exit_code == 2 and "already holds posts" in again.stderr  # scratch DBs only
