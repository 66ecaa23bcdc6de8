"""The simulated election day of `waspada bench day`: curve, texts, feeds, bad input."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from monitor.cli.bench import day_data as daydata
from monitor.cli.main import app

SEEDS = Path(__file__).resolve().parents[2] / "classifiers" / "data" / "seeds"


def test_the_burst_is_tenfold(shared_data: Path) -> None:
    texts = daydata.load_texts(shared_data, SEEDS)
    posts = daydata.schedule(texts, seconds=100, peak=10, feeds=3, flagged_share=0.1)
    before = [p for p in posts if 50 <= p.at < 60]  # the ten seconds before the burst
    burst = [p for p in posts if 60 <= p.at < 70]
    assert 8 <= len(burst) / len(before) <= 12
    assert len({p.guid for p in posts}) == len(posts)
    assert 0.05 < sum(p.flagged_source for p in posts) / len(posts) < 0.15
    assert {p.feed for p in posts} == {0, 1, 2}


def test_feeds_serve_only_what_was_published(shared_data: Path) -> None:
    texts = daydata.load_texts(shared_data, SEEDS)
    posts = daydata.schedule(texts, seconds=3600, peak=2, feeds=2, flagged_share=0.1)
    feeds = daydata.DayFeeds(posts, 2)
    server = daydata.serve(feeds)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        assert b"<item>" not in httpx.get(f"{base}/day/0.xml").content  # the day has not begun
        feeds.start_clock()
        time.sleep(2.5)
        page = httpx.get(f"{base}/day/0.xml").text
        shown = [p for p in posts if p.feed == 0 and p.link in feeds.first_served]
        assert shown and all(p.at <= 3.0 for p in shown)
        assert all(p.guid in page for p in shown)
        # Hostile paths: a clear 404, never a crash.
        for path in ("/day/9.xml", "/day/x.xml", "/day/-1.xml", "/etc/passwd", "/day/.xml"):
            assert httpx.get(base + path).status_code == 404, path
    finally:
        server.shutdown()


def test_bench_day_refuses_bad_options(tmp_path: Path) -> None:
    # In process: the options are checked before anything starts, so a subprocess per case
    # would only add the import time (3 s each on two cores).
    env = {"WASPADA_DATA_DIR": str(tmp_path / "data")}
    base = ["bench", "day", "--database-url", "sqlite:///x.db"]
    for extra in (["--minutes", "0"], ["--flagged-share", "1.5"], ["--shared", str(tmp_path)]):
        done = CliRunner().invoke(app, base + extra, env=env)
        assert done.exit_code != 0, extra
        assert "waspada: error:" in done.stderr, done.stderr
        assert isinstance(done.exception, SystemExit), done.exception  # a clear exit, no crash
