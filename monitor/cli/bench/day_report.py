"""The figures `waspada bench day` prints: fetch-to-queue, and the split of where the time goes."""

from __future__ import annotations

import os
import statistics
from pathlib import Path

import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.cli.bench import day_data as daydata
from monitor.cli.bench.day_watch import Poll, Watch, read_logs
from monitor.core.db import make_engine
from monitor.posts.models import Post


def pct(values: list[float], q: float) -> float:
    """Return the q-th percentile (inclusive method); NaN when empty."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def fmt(values: list[float], unit: float = 1.0) -> str:
    """Render p50/p95/max and n of a list of figures."""
    if not values:
        return "n/a"
    return (
        f"p50 {pct(values, 50) * unit:,.1f}  p95 {pct(values, 95) * unit:,.1f}  "
        f"max {max(values) * unit:,.1f}  (n={len(values):,})"
    )


def stage_times(url: str) -> dict[str, tuple[float, float]]:
    """Per flagged post's link: when it was stored (fetched_at) and scored (classified_at)."""
    engine = make_engine(url)
    with Session(engine) as s:
        rows = s.execute(
            select(Post.url, Post.fetched_at, Post.classified_at).where(Post.flagged.is_(True))
        ).all()
    engine.dispose()
    return {
        r.url: (r.fetched_at.timestamp(), r.classified_at.timestamp())
        for r in rows
        if r.url and r.classified_at is not None
    }


def flagged_links(url: str) -> set[str]:
    """Return the links of every post the model flagged."""
    engine = make_engine(url)
    with Session(engine) as s:
        links = set(s.scalars(select(Post.url).where(Post.flagged.is_(True))))
    engine.dispose()
    return {link for link in links if link}


def report(
    url: str,
    posts: list[daydata.DayPost],
    day: daydata.DayFeeds,
    out: Poll,
    watch: Watch,
    seconds: float,
    logs: Path,
) -> None:
    """Print fetch-to-queue (day and burst), the burst's split, and queue latency per phase."""
    flagged = flagged_links(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        stored = int(conn.scalar(select(func.count()).select_from(Post)) or 0)
    engine.dispose()
    share_of = {p.link: p.at / seconds for p in posts}
    publish_to_fetch = [
        day.first_served[p.link] - (day.started + p.at) for p in posts if p.link in day.first_served
    ]
    all_lat: list[float] = []
    burst_lat: list[float] = []
    missing = 0
    for link in flagged:
        if link not in out.seen or link not in day.first_served:
            missing += 1
            continue
        delay = out.seen[link] - day.first_served[link]
        all_lat.append(delay)
        if daydata.in_burst(share_of.get(link, 0.0)):
            burst_lat.append(delay)
    typer.echo(
        f"\nstored {stored:,} of {len(posts):,} published posts; "
        f"{len(flagged):,} flagged by the model; {missing:,} flagged never seen in the queue"
    )
    typer.echo(f"publish -> fetch (s):        {fmt(publish_to_fetch)}")
    typer.echo(f"fetch -> queue, whole day (s): {fmt(all_lat)}")
    typer.echo(f"fetch -> queue, burst (s):     {fmt(burst_lat)}   goal: p95 <= 60")
    _split(url, flagged, day, out, watch, share_of)
    _processes(day, watch, seconds, logs)
    for name in ("idle", "day", "burst", "after"):
        typer.echo(f"queue latency {name:>5} (ms):   {fmt(out.latency.get(name, []), 1000)}")
    if out.errors or watch.errors:
        typer.echo(f"queue requests failed: {out.errors}; database watch failed: {watch.errors}")
    tracebacks = [p.name for p in sorted(logs.glob("*.log")) if "Traceback" in p.read_text()]
    if tracebacks:
        typer.echo(f"tracebacks in: {', '.join(tracebacks)}")


def _split(
    url: str,
    flagged: set[str],
    day: daydata.DayFeeds,
    out: Poll,
    watch: Watch,
    share_of: dict[str, float],
) -> None:
    # Where the time goes, for the burst's flagged posts: served -> row flushed (fetch and
    # parse) -> page committed (arrival steps + commit) -> scored -> first seen in the queue.
    stages = stage_times(url)
    burst = [
        (day.first_served[k], stages[k][0], watch.committed[k], stages[k][1], out.seen[k])
        for k in flagged
        if k in stages and k in out.seen and k in day.first_served and k in watch.committed
        if daydata.in_burst(share_of.get(k, 0.0))
    ]
    typer.echo(f"where the burst's fetch -> queue goes (flagged posts, n={len(burst)}):")
    names = ("served -> row flushed", "flushed -> committed", "committed -> scored")
    for i, name in enumerate((*names, "scored -> queue")):
        typer.echo(f"  {name + ' (s):':<30}{fmt([b[i + 1] - b[i] for b in burst])}")


def _processes(day: daydata.DayFeeds, watch: Watch, seconds: float, logs: Path) -> None:
    lo, hi = (day.started + seconds * b for b in daydata.BURST)
    times = read_logs(logs)
    runs = [r for r in times.source_runs if lo <= r[0] < hi]
    typer.echo(
        f"  burst source runs (s):        {fmt([r[1] for r in runs])}; "
        f"new posts per run {fmt([float(r[2]) for r in runs])}"
    )
    scored = [float(r[1]) for r in times.score_runs if lo <= r[0] < hi]
    waiting = [float(n) for at, n in watch.backlog if lo <= at < hi + 30]
    typer.echo(
        f"  burst unscored backlog:       {fmt(waiting)}; posts per scoring run {fmt(scored)}"
    )
    for problem, count in times.problems.most_common(8):
        typer.echo(f"  logged {count:,}x  {problem}")
    load = os.getloadavg()
    typer.echo(f"load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
