"""`waspada bench ingest` runs both paths and prints figures beside the bare insert."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from monitor.cli.main import app


def test_bench_ingest_prints_figures(fresh_db_url: str) -> None:
    args = ["bench", "ingest", "--posts", "300", "--stored", "200", "--per-source", "100"]
    args += ["--seeded", "150"]
    args += ["--no-sqlite", "--database-url", fresh_db_url]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.stdout + res.stderr
    out = res.stdout
    assert "stored first through the flow: 200 posts" in out
    assert re.search(r"seeded in bulk: 150 posts \((\d+) first copies, \d+ bands", out), out
    for path in ("waspada ingest", "collectors"):
        found = re.search(
            rf"{path} \(\w+\): 300 posts \((\d+) new\) in [\d.]+s = [\d,]+ posts/s", out
        )
        assert found is not None and int(found.group(1)) > 250, out
    assert (
        len(
            re.findall(
                r"arrival steps \(wall\): store [\d.]+s, regions [\d.]+s, clusters [\d.]+s", out
            )
        )
        == 2
    )
    assert len(re.findall(r"bare executemany of the same rows: .* ratio [\d.]+", out)) == 2
    assert "peak memory" in out
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 2 and "already holds posts" in again.stderr  # scratch DBs only
    seeding_again = CliRunner().invoke(app, [*args, "--reuse"])
    assert seeding_again.exit_code == 2, seeding_again.stdout  # seed ids would collide
    reused = ["bench", "ingest", "--posts", "100", "--per-source", "100", "--reuse"]
    res = CliRunner().invoke(app, [*reused, "--no-sqlite", "--database-url", fresh_db_url])
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "reused the store already there: posts up to id " in res.stdout
    for path in ("waspada ingest", "collectors"):
        assert re.search(rf"{path} \(\w+\): 100 posts \(\d+ new\)", res.stdout), res.stdout
    total = re.search(r"database now: (\d+) posts", res.stdout)
    assert total is not None and int(total.group(1)) > int(
        re.findall(r"database now: (\d+) posts", out)[0]
    ), res.stdout


def test_bench_ingest_serves_slow_sources_from_sites_of_their_own() -> None:
    args = ["bench", "ingest", "--posts", "300", "--per-source", "100"]
    res = CliRunner().invoke(app, [*args, "--source-delay", "0.05", "--sites", "3"])
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "each answer delayed 0.05s, 3 site(s)" in res.stdout
    # Three sources, each on its own loopback address, all stored through the collectors.
    assert re.search(r"collectors \(sqlite\): 300 posts \(300 new\)", res.stdout), res.stdout
    for bad in (["--sites", "0"], ["--sites", "251"], ["--source-delay", "-1"]):
        refused = CliRunner().invoke(app, [*args, *bad])
        assert refused.exit_code == 2 and "--sites must be 1-250" in refused.stderr, bad
