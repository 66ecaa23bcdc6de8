"""`waspada bench day`: replay a compressed election day through real processes and feeds.

The bench prepares a scratch database (regions, a seeds-only model, a reviewer key, the
day's RSS sources), starts `waspada api`, N `waspada scheduler` and (on PostgreSQL) N
`waspada worker score` processes, serves the day's posts from feeds on 127.0.0.1 and polls
the review queue. Fetch-to-queue is the time from the feed first serving a post to the queue
API first returning it; queue latency is measured at idle first (the reference) and then
through the day, burst apart.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer
from sqlalchemy import func, select

from classifiers.models.train import TrainConfig, train
from monitor.cli.bench import day_data as daydata
from monitor.cli.bench.day_report import flagged_links, report
from monitor.cli.bench.day_watch import Poll, Watch, fold_copies, watch_db
from monitor.cli.common import fail
from monitor.core import migrate
from monitor.core.base import utcnow
from monitor.core.db import make_engine
from monitor.core.runtime import runtime_for_engine
from monitor.core.settings import load_settings
from monitor.keys.service import create_key
from monitor.modelversions import service as models
from monitor.posts.models import Post
from monitor.regions.tasks import load_regions_step
from monitor.research.promote import promote
from monitor.sources.models import Source

# The repository root is four levels up (monitor/cli/bench/day.py); the public datasets
# sit beside the repository, as tests/conftest.py expects them.
ROOT = Path(__file__).resolve().parents[3]
SEEDS = ROOT / "classifiers" / "data" / "seeds"
SHARED = ROOT.parent / "shared" / "data"


def _poll_queue(
    base: str, key: str, phase: list[str], stop: threading.Event, every: float, out: Poll
) -> None:
    """Poll the newest page of the queue as a reviewer's screen would, until stopped."""
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        while not stop.is_set():
            t0 = time.perf_counter()
            try:
                r = client.get("/api/v1/items", params={"sort": "time", "limit": 200})
                r.raise_for_status()
            except httpx.HTTPError:
                out.errors += 1
                stop.wait(every)
                continue
            now = time.time()
            out.latency.setdefault(phase[0], []).append(time.perf_counter() - t0)
            for item in r.json()["items"]:
                if item.get("url"):
                    out.seen.setdefault(item["url"], now)
                for copy in (item.get("narrative") or {}).get("copy_ids") or []:
                    out.seen_ids.setdefault(int(copy), now)
            stop.wait(every)


def _prepare(url: str, data_dir: Path, feed_urls: list[str], interval: int) -> str:
    """Migrate, load regions, promote a seeds-only model, add sources; return a reviewer key."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        if conn.scalar(select(func.count()).select_from(Post)):
            raise fail("the database already holds posts; point --database-url at a scratch one")
    rt = runtime_for_engine(load_settings(data_dir=data_dir, database_url=url), engine)
    try:
        load_regions_step(rt)  # once, before several schedulers tag posts
        config = TrainConfig.small()
        config.stem = False
        trained = train(data_dir, config)
        with rt.session() as s:
            row = models.register(s, data_dir, trained, version="bench-day")
            promote(s, data_dir, row.version, None, actor="bench:day", force=True)
            _, key = create_key(s, "bench-day-reviewer", "reviewer")
            for n, feed in enumerate(feed_urls):
                s.add(
                    Source(
                        name=f"bench-day-{n}",
                        kind="rss",
                        url=feed,
                        config={"language": "id"},
                        # Compressed like the day (a 15-minute interval becomes seconds).
                        interval_seconds=interval,
                        next_fetch_at=utcnow(),
                    )
                )
    finally:
        rt.close()
    return key


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 (our own CLI, fixed arguments)
            [sys.executable, "-m", "monitor", *args], env=env, stdout=out, stderr=subprocess.STDOUT
        )


def _wait_http(url: str, procs: list[subprocess.Popen[bytes]], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            raise fail("a waspada process exited during start-up (see the logs above)")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.3)
    raise fail(f"{url} did not answer within {timeout:.0f} s")


def bench_day(
    database_url: Annotated[
        str, typer.Option(help="scratch database (PostgreSQL for the fleet; SQLite runs one)")
    ],
    minutes: Annotated[float, typer.Option(help="wall minutes for the 10-hour day")] = 4.0,
    peak: Annotated[float, typer.Option(help="posts/s at the daytime peak, before the burst")] = 20,
    flagged_share: Annotated[float, typer.Option(help="share drawn from flagged texts")] = 0.08,
    feeds: Annotated[int, typer.Option(help="RSS sources serving the day")] = 12,
    interval: Annotated[int, typer.Option(help="seconds between fetches of one source")] = 5,
    schedulers: Annotated[int, typer.Option(help="`waspada scheduler` processes")] = 2,
    workers: Annotated[int, typer.Option(help="`waspada worker score` processes")] = 2,
    poll: Annotated[float, typer.Option(help="seconds between queue polls")] = 0.5,
    drain: Annotated[float, typer.Option(help="seconds to wait after the day for stragglers")] = 90,
    shared: Annotated[Path, typer.Option(help="public datasets directory")] = SHARED,
    logs_dir: Annotated[
        Path | None, typer.Option("--logs", help="keep the processes' logs here")
    ] = None,
) -> None:
    """Replay a compressed election day through feeds and processes; print fetch-to-queue."""
    if minutes <= 0 or peak <= 0 or not 0 < flagged_share < 1 or feeds < 1 or interval < 1:
        raise fail("need positive --minutes, --peak, --feeds, --interval; 0 < --flagged-share < 1")
    try:
        texts = daydata.load_texts(shared, SEEDS)
    except (OSError, ValueError, KeyError) as exc:
        raise fail(f"cannot read the day's texts: {exc}") from None
    seconds = minutes * 60
    posts = daydata.schedule(texts, seconds, peak, feeds, flagged_share)
    day = daydata.DayFeeds(posts, feeds)
    server = daydata.serve(day)
    port = server.server_address[1]
    tmp = tempfile.TemporaryDirectory(prefix="waspada-bench-day-")
    data_dir = Path(tmp.name)
    sqlite = database_url.startswith("sqlite")
    typer.echo(
        f"day: {len(posts):,} posts in {minutes:g} min ({DAY_LABEL}), "
        f"{sum(p.flagged_source for p in posts):,} from the flagged share, {feeds} feeds; "
        f"burst x{daydata.BURST_FACTOR:g} peak {peak * daydata.BURST_FACTOR:g} posts/s"
    )
    typer.echo("preparing the scratch database (regions, seeds-only model, sources) ...")
    urls = [f"http://127.0.0.1:{port}/day/{n}.xml" for n in range(feeds)]
    key = _prepare(database_url, data_dir, urls, interval)
    api_port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WASPADA_")}
    env.update(
        WASPADA_DATA_DIR=str(data_dir),
        WASPADA_DATABASE_URL=database_url,
        WASPADA_OUTBOUND_ALLOW="127.0.0.1",
        WASPADA_SCHEDULER_TICK="PT1S",
        WASPADA_HTTP_HOST_INTERVAL="0",
        WASPADA_HTTP_HOST_CONCURRENCY="8",
        WASPADA_API_PORT=str(api_port),
        WASPADA_SCHEDULER_SCORE="true" if sqlite or workers == 0 else "false",
        # INFO: each source run's and scoring run's seconds feed the split of the report.
        WASPADA_LOG_LEVEL="INFO",
    )
    logs = logs_dir or data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    procs = [_start(["api"], {**env, "WASPADA_LOG_LEVEL": "WARNING"}, logs / "api.log")]
    for i in range(1 if sqlite else schedulers):
        procs.append(_start(["scheduler"], env, logs / f"scheduler-{i}.log"))
    for i in range(0 if sqlite else workers):
        # The default --idle: arrivals wake the workers (NOTIFY), no fast polling needed.
        procs.append(_start(["worker", "score"], env, logs / f"worker-{i}.log"))
    base = f"http://127.0.0.1:{api_port}"
    poll_out = Poll()
    watch = Watch()
    phase = ["idle"]
    stop = threading.Event()
    try:
        _wait_http(f"{base}/healthz", procs)
        poller = threading.Thread(
            target=_poll_queue, args=(base, key, phase, stop, poll, poll_out), daemon=True
        )
        poller.start()
        watcher = threading.Thread(
            target=watch_db, args=(database_url, stop, 0.25, watch), daemon=True
        )
        watcher.start()
        time.sleep(10)  # the reference: queue latency with nothing arriving
        day.start_clock()
        t0 = time.monotonic()
        while (elapsed := time.monotonic() - t0) < seconds:
            share = elapsed / seconds
            phase[0] = "burst" if daydata.in_burst(share) else "day"
            time.sleep(0.2)
        phase[0] = "after"
        _drain(database_url, day, poll_out, drain)
    finally:
        stop.set()
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
        server.shutdown()
    fold_copies(database_url, poll_out)
    report(database_url, posts, day, poll_out, watch, seconds, logs)
    tmp.cleanup()


DAY_LABEL = "07:00-17:00"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _drain(url: str, day: daydata.DayFeeds, out: Poll, timeout: float) -> None:
    """Wait until every flagged, stored post of the day has reached the queue (or time out)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        served = set(day.first_served)
        fold_copies(url, out)
        if len(served) == len(day.posts) and flagged_links(url) <= set(out.seen):
            return
        time.sleep(1)
