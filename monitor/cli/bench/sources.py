"""`waspada bench ingest`: arrival end to end through `waspada ingest` and the collectors.

For each database, with `--stored N` posts already stored through the same flow, it times
both paths on fresh posts and, in the same run, a bare driver executemany of the same rows
(sqlite3 / psycopg) into a plain table, then prints the ratio.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import func, select, text

from classifiers.text.langid_model import identifier_arrays
from classifiers.text.language import use_model_cache
from monitor.cli.bench.sources_base import bare_insert, baseline_classifier, server_cpu_seconds
from monitor.cli.bench.sources_data import FeedServer, rss_feed, wordpress_pages
from monitor.cli.bench.sources_seed import seed
from monitor.cli.bench.sources_texts import bench_posts, real_tweets
from monitor.cli.commands.posts import store_batches
from monitor.cli.common import fail
from monitor.core import migrate
from monitor.core.db import make_engine
from monitor.core.gcpolicy import tune_for_pages
from monitor.core.outbound import policy_for
from monitor.core.runtime import Runtime, runtime_for_engine
from monitor.core.settings import load_settings
from monitor.flows import arrival
from monitor.flows.collect import collect_due, make_client
from monitor.flows.fetch_helper import shared_helper
from monitor.flows.pipeline import take_commit_seconds
from monitor.flows.tasks import score_pending
from monitor.posts.canonical import content_hash
from monitor.posts.models import Post
from monitor.posts.schemas import IngestReport, PostIn
from monitor.regions.tasks import load_regions_step
from monitor.sources import service
from monitor.sources.schemas import SourceSpec

PAGE = 1000  # as `waspada ingest` commits


@dataclass(frozen=True)
class _Feeds:
    """How the collectors' sources are served: size, kind, latency and sites."""

    per_source: int
    kind: str
    delay: float
    sites: int

    def describe(self) -> str:
        """Say it in the bench's output."""
        where = (
            "local sources answering at once"
            if not self.delay
            else (f"each answer delayed {self.delay:g}s")
        )
        return f"kind {self.kind}, {self.per_source} posts a source, {where}, {self.sites} site(s)"


def bench_ingest(
    posts: Annotated[int, typer.Option(help="fresh posts per path")] = 20_000,
    stored: Annotated[int, typer.Option(help="posts stored through the flow first")] = 0,
    seeded: Annotated[
        int, typer.Option(help="posts bulk-stored first as distinct first copies (hot index)")
    ] = 0,
    per_source: Annotated[int, typer.Option(help="posts per source (feed)")] = 1000,
    kind: Annotated[str, typer.Option(help="wordpress (paged JSON) or rss")] = "wordpress",
    source_delay: Annotated[
        float, typer.Option(help="seconds each feed answer waits, as a remote site's does")
    ] = 0.0,
    sites: Annotated[
        int, typer.Option(help="loopback sites the sources are spread over (per-host limits)")
    ] = 1,
    database_url: Annotated[
        list[str] | None,
        typer.Option(help="scratch database(s) besides a temporary SQLite file (repeatable)"),
    ] = None,
    sqlite: Annotated[bool, typer.Option(help="also run on a temporary SQLite file")] = True,
    data: Annotated[Path, typer.Option(help="public data (real tweets)")] = Path("../shared/data"),
    classify: Annotated[bool, typer.Option(help="score posts after storing them")] = False,
    reuse: Annotated[
        bool,
        typer.Option(help="count the posts a database already holds as stored (a seeded copy)"),
    ] = False,
) -> None:
    """Time arrival through `waspada ingest` and the collectors beside a bare insert."""
    if kind not in ("wordpress", "rss"):
        raise fail("--kind must be wordpress or rss", 2)
    if not 1 <= sites <= 250 or source_delay < 0:
        raise fail("--sites must be 1-250 and --source-delay at least 0", 2)
    tweets = real_tweets(data)
    source = f"real tweets ({len(tweets)}) from {data}" if tweets else "generated"
    typer.echo(f"texts: {source}")
    # Why a context manager: Ctrl-C in a long run must not leave a large scratch database.
    with tempfile.TemporaryDirectory(prefix="waspada-bench-") as tmp:
        urls = ([f"sqlite:///{Path(tmp) / 'bench.db'}"] if sqlite else []) + list(
            database_url or []
        )
        for url in urls:
            before = (seeded, stored, reuse)
            feeds = _Feeds(per_source, kind, source_delay, sites)
            _run(Path(tmp), url, posts, before, feeds, tweets, classify)


def _run(
    tmp: Path,
    url: str,
    n: int,
    before: tuple[int, int, bool],
    feeds: _Feeds,
    tweets: list[str],
    classify: bool,
) -> None:
    settings = load_settings(
        data_dir=tmp,
        database_url=url,
        http_host_interval=0.0,
        collect_batch=16,
        http_max_bytes=256 * 1024 * 1024,
        score_batch=1000,
        # The bench serves its own feeds on loopback: allow exactly those, explicitly.
        outbound_allow="127.0.0.1" if feeds.sites == 1 else "127.0.0.0/8",
    )
    engine = make_engine(url)
    migrate.upgrade(engine)
    rt = runtime_for_engine(settings, engine)
    use_model_cache(tmp)  # as `waspada ingest` and the scheduler do (written on first use)
    # Written before the timer, as a data directory holds it after the first run ever; the
    # timed process still maps and loads it (~0.6 s of LZMA otherwise counted every run).
    identifier_arrays(tmp)
    tune_for_pages()  # as `waspada ingest`, `up` and the scheduler do
    backend = engine.url.get_backend_name()
    seeded, stored, reuse = before
    with rt.session() as s:
        held = s.scalar(select(func.max(Post.id))) or 0
    if held and (seeded or not reuse):
        rt.close()
        raise fail(
            f"{engine.url.render_as_string(hide_password=True)} already holds posts; "
            "use a scratch database (or --reuse without --seeded on a copy of a seeded one)",
            2,
        )
    # As `waspada up` does at start-up: the region list is loaded before posts arrive.
    load_regions_step(rt)
    typer.echo(f"== {backend}: {n} posts per path, {feeds.describe()}")
    if held:
        # Why the highest id: fresh posts take external ids past it, so none is already stored.
        typer.echo(f"reused the store already there: posts up to id {held}")
    if seeded:
        t0 = time.perf_counter()
        heads = seed(rt, seeded, tweets)
        typer.echo(
            f"seeded in bulk: {seeded} posts ({heads} first copies, {16 * heads} bands in the "
            f"hot index) in {time.perf_counter() - t0:.1f}s"
        )
    if stored:
        t0 = time.perf_counter()
        _prefill(rt, stored, tweets, seeded + held)
        typer.echo(
            f"stored first through the flow: {stored} posts in {time.perf_counter() - t0:.1f}s"
        )
    arrival.take_step_seconds()
    take_commit_seconds()
    stored += seeded + held
    file_posts = bench_posts(n, tweets, seed=11, id_offset=stored + 1)
    _file_path(rt, file_posts, backend)
    feed_posts = bench_posts(n, tweets, seed=13, id_offset=stored + n + 1)
    _collector_path(rt, settings, feed_posts, feeds, backend)
    if classify:
        classifier = baseline_classifier(rt)
        s1 = time.perf_counter()
        scored = score_pending(rt, classifier, None, "bench", budget=3600.0) if classifier else 0
        t_score = time.perf_counter() - s1
        typer.echo(
            f"scored {scored} posts in {t_score:.2f}s = {scored / max(t_score, 1e-9):,.0f}/s"
        )
    with rt.session() as s:
        total = s.scalar(select(func.count()).select_from(Post)) or 0
        clustered = s.scalar(select(func.count()).where(Post.cluster_id.is_not(None))) or 0
        clusters = s.scalar(select(func.count(func.distinct(Post.cluster_id)))) or 0
    typer.echo(
        f"  database now: {total} posts, {clustered} in {clusters} clusters "
        "(posts without a copy have none); "
        f"peak memory {_peak_mb():,.0f} MB"
    )
    with rt.session() as s:
        s.execute(text("DROP TABLE IF EXISTS bench_bare"))
    rt.close()


def _prefill(rt: Runtime, stored: int, tweets: list[str], offset: int) -> None:
    for start in range(0, stored, PAGE):
        part = bench_posts(
            min(PAGE, stored - start), tweets, seed=5 + start, id_offset=offset + start
        )
        items = [_item("prefill", p) for p in part]
        with rt.session() as s:
            arrival.arrive(s, items)


def _item(platform: str, p: dict[str, Any]) -> PostIn:
    return PostIn(
        platform=platform,
        external_id=str(p["id"]),
        text=p["text"],
        published_at=p["date"],
        url=f"https://berita.example/{p['id']}",
    )


def _file_path(rt: Runtime, data: list[dict[str, Any]], backend: str) -> None:
    """`waspada ingest`'s own batch code (a writer thread stores, one commit per 1,000)."""
    records = [
        {
            "platform": "file",
            "external_id": str(p["id"]),
            "text": p["text"],
            "published_at": p["date"].isoformat(),
        }
        for p in data
    ]
    total = IngestReport()
    s0 = server_cpu_seconds(rt)
    t0, c0 = time.perf_counter(), time.process_time()
    batches = (
        list(enumerate(records[start : start + PAGE], start + 1))
        for start in range(0, len(records), PAGE)
    )
    store_batches(rt, batches, total, None, None)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    server = _spent(s0, server_cpu_seconds(rt))
    steps = arrival.take_step_seconds()
    commits = take_commit_seconds()
    rows = [_bare_row(p) for p in data]
    bare = bare_insert(rt, rows)
    _print("waspada ingest", backend, len(records), total.new, (wall, cpu, server), steps, bare)
    _print_commits(commits)


def _collector_path(
    rt: Runtime, settings: Any, data: list[dict[str, Any]], feeds: _Feeds, backend: str
) -> None:
    with FeedServer(feeds.delay, feeds.sites) as server:
        _register(rt, server, data, feeds.per_source, feeds.kind)
        client = make_client(settings)
        with rt.session() as s:
            before = s.scalar(select(func.count()).select_from(Post)) or 0
        # Started before the timer, as a scheduler's helper runs from its first ticks on.
        helper = shared_helper(settings.log_level, settings.log_format)
        h0 = time.perf_counter()
        helper.wait_ready(300.0)
        pid = helper.pid()
        ready_in = time.perf_counter() - h0
        helper_cpu = _process_cpu(pid)
        typer.echo(
            f"  collectors' fetch helper (pid {pid}) ready in {ready_in:.2f}s "
            f"({helper_cpu or 0.0:.2f} CPU-s to start, once per process; not timed below)"
        )
        s0 = server_cpu_seconds(rt)
        t0, c0 = time.perf_counter(), time.process_time()
        while collect_due(rt, client, worker="bench"):
            pass
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        db_cpu = _spent(s0, server_cpu_seconds(rt))
        helper_cpu = _spent(helper_cpu, _process_cpu(pid))
        client.close()
    steps = arrival.take_step_seconds()
    commits = take_commit_seconds()
    with rt.session() as s:
        new = (s.scalar(select(func.count()).select_from(Post)) or 0) - before
    bare = bare_insert(rt, [_bare_row(p) for p in data])
    _print("collectors", backend, len(data), new, (wall, cpu, db_cpu), steps, bare)
    _print_commits(commits)
    if helper_cpu is not None:
        both = cpu + helper_cpu
        typer.echo(
            f"  fetch helper process cpu {helper_cpu:.2f}s; bench process + helper {both:.2f}s "
            f"= {len(data) / max(both, 1e-9):,.0f} posts per cpu-second"
        )


def _process_cpu(pid: int | None) -> float | None:
    """Return a process's CPU seconds so far (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _print_commits(spent: dict[str, float]) -> None:
    if spent["committing"]:
        hidden = max(spent["committing"] - spent["waited"], 0.0)
        typer.echo(
            f"  commits in their own thread: {spent['committing']:.2f}s wall, the next page "
            f"waited {spent['waited']:.2f}s for them ({hidden:.2f}s overlapped its preparation)"
        )


def _bare_row(p: dict[str, Any]) -> tuple[Any, ...]:
    item = _item("bare", p)
    digest = content_hash(item.text)
    return (item.platform, item.external_id, item.url, item.text, digest, item.published_at)


def _spent(before: float | None, after: float | None) -> float | None:
    return after - before if before is not None and after is not None else None


def _print(
    path: str,
    backend: str,
    n: int,
    new: int,
    times: tuple[float, float, float | None],
    steps: dict[str, float],
    bare: float,
) -> None:
    wall, cpu, server = times
    rate = n / max(wall, 1e-9)
    bare_rate = n / max(bare, 1e-9)
    parts = ", ".join(f"{k} {v:.2f}s" for k, v in steps.items())
    typer.echo(
        f"{path} ({backend}): {n} posts ({new} new) in {wall:.2f}s = {rate:,.0f} posts/s "
        f"end to end (bench process cpu {cpu:.2f}s = {n / max(cpu, 1e-9):,.0f} per cpu-second)"
    )
    if server is not None:
        # What an idle machine would need: the bench's CPU plus the server's, per post.
        both = cpu + server
        typer.echo(
            f"  postgresql server cpu {server:.2f}s; process + server {both:.2f}s = "
            f"{n / max(both, 1e-9):,.0f} posts per cpu-second"
        )
    typer.echo(f"  arrival steps (wall): {parts}")
    typer.echo(
        f"  bare executemany of the same rows: {bare:.2f}s = {bare_rate:,.0f} rows/s; "
        f"ratio {rate / bare_rate:.3f}"
    )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _register(
    rt: Runtime, server: FeedServer, data: list[dict[str, Any]], per_source: int, kind: str
) -> None:
    with rt.session() as s:
        for n, start in enumerate(range(0, len(data), per_source)):
            chunk = data[start : start + per_source]
            name = f"bench{data[0]['id']}-{n:04d}"  # unique on a reused store too
            if kind == "wordpress":
                server.pages[name] = wordpress_pages(chunk, 100)
                url = f"{server.site_url(n)}/{name}"
                config: dict[str, Any] = {"per_page": 100, "max_pages": per_source // 100 + 2}
            else:
                server.feeds[name] = rss_feed(chunk, name)
                url = f"{server.site_url(n)}/{name}.xml"
                config = {}
            spec = SourceSpec(name=name, kind=kind, url=url, config=config, language="id")
            service.add(s, spec, "bench", policy=policy_for(rt.settings))
