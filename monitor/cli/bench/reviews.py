"""`waspada bench api`: seed N posts, serve them with uvicorn, load the review API, print figures.

Open-loop load: requests start on a fixed schedule (`--rate` per second) whatever the
server's speed, and each latency runs from the scheduled start, so a slow server cannot
hide its queueing delay (no coordinated omission). The client runs on the same machine
and takes CPU from the server; the figures are a floor, not a ceiling.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from monitor.cli.bench import reviews_data as benchdata
from monitor.cli.common import fail
from monitor.core import migrate
from monitor.core.db import make_engine
from monitor.desk import queue
from monitor.keys import service as keys
from monitor.keys.principal import Principal
from monitor.posts.models import Post

QUEUE_FILTERS: tuple[dict[str, str], ...] = (
    {"status": "new"},
    {"status": "new", "label": "hoax"},
    {"status": "new", "region": "Jawa Barat"},
    {"status": "new", "region": "35", "label": "money_politics"},
    {"status": "new", "sort": "time"},
    {"status": "new", "q": "amplop"},
)


@dataclass
class Result:
    """Latencies (ms) and failures of one scenario."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    offered: float = 0.0  # requests/s scheduled (0 for closed loop)

    def percentile(self, p: float) -> float:
        """Return the p-th percentile latency in ms (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]

    def line(self) -> str:
        """One row of the results table."""
        done = len(self.latencies)
        bad = sum(self.errors.values())
        rps = done / self.seconds if self.seconds else 0.0
        offered = f"{self.offered:7.0f}" if self.offered else " closed"
        return (
            f"{self.name:<16}{offered} {rps:8.1f} {done:7d} {bad:6d} "
            f"{self.percentile(50):8.1f} {self.percentile(95):8.1f} "
            f"{self.percentile(99):8.1f} {max(self.latencies, default=float('nan')):8.1f}"
        )


HEADER = (
    f"{'scenario':<16}{'offered':>7} {'req/s':>8} {'ok':>7} {'errors':>6} "
    f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
)

Request = Callable[[httpx.AsyncClient], Any]


async def _timed(client: httpx.AsyncClient, make: Request, started: float, out: Result) -> None:
    try:
        response = await make(client)
        ok = 200 <= response.status_code < 300
        key = None if ok else str(response.status_code)
    except httpx.HTTPError as exc:
        key = type(exc).__name__
    if key is None:
        out.latencies.append((time.perf_counter() - started) * 1000)
    else:
        out.errors[key] = out.errors.get(key, 0) + 1


async def open_loop(
    base: str, name: str, requests: Callable[[], Request], rate: float, seconds: float, conns: int
) -> Result:
    """Start `rate` requests a second for `seconds`; latency counts from each scheduled start."""
    out = Result(name, offered=rate)
    limits = httpx.Limits(max_connections=conns, max_keepalive_connections=conns)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        tasks: list[asyncio.Task[None]] = []
        t0 = time.perf_counter()
        for i in itertools.count():
            due = t0 + i / rate
            if due - t0 >= seconds:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(_timed(client, requests(), due, out)))
        await asyncio.gather(*tasks)
        out.seconds = time.perf_counter() - t0
    return out


async def closed_loop(
    base: str, name: str, requests: Callable[[], Request], workers: int, seconds: float
) -> Result:
    """Run `workers` clients back to back for `seconds` (the throughput ceiling)."""
    out = Result(name)
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        t0 = time.perf_counter()

        async def worker() -> None:
            while time.perf_counter() - t0 < seconds:
                await _timed(client, requests(), time.perf_counter(), out)

        await asyncio.gather(*(worker() for _ in range(workers)))
        out.seconds = time.perf_counter() - t0
    return out


def explain(session: Session, statement: Select[Any]) -> list[str]:
    """Return the database's plan for a statement, with the exact SQL and parameters it runs."""
    captured: dict[str, Any] = {}

    class _Stop(Exception):
        pass

    conn = session.connection()

    def grab(_c: Any, _cur: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        captured.update(sql=sql, params=params)
        raise _Stop

    event.listen(conn, "before_cursor_execute", grab)
    try:
        session.execute(statement)
    except _Stop:
        pass
    finally:
        event.remove(conn, "before_cursor_execute", grab)
    postgres = conn.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    rows = conn.exec_driver_sql(prefix + captured["sql"], captured["params"]).all()
    if postgres:
        return [str(r[0]) for r in rows]
    return [str(r[-1]) for r in rows]


def _plans(engine: Engine, principal: Principal, liaison: Principal) -> None:
    with Session(engine) as session:
        cases: list[tuple[Principal, str, queue.ItemFilters]] = [
            (principal, "queue status=new", queue.ItemFilters(statuses=("new",))),
            (
                principal,
                "queue status=new label=hoax",
                queue.ItemFilters(statuses=("new",), labels=("hoax",)),
            ),
            (
                principal,
                "queue status=new region=32",
                queue.ItemFilters(statuses=("new",), region_codes=("32",), regions_requested=True),
            ),
            (liaison, "queue as liaison(32) status=new", queue.ItemFilters(statuses=("new",))),
            (principal, "queue q=amplop", queue.ItemFilters(statuses=("new",), q="amplop")),
        ]
        for who, label, filters in cases:
            statement = queue.statement(session, who, filters, "priority", None, 51)
            typer.echo(f"\n-- plan: {label}")
            for line in explain(session, statement):
                typer.echo(f"   {line}")
        session.rollback()


def _server(url: str, data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WASPADA_")}
    env.update(
        WASPADA_DATABASE_URL=url,
        WASPADA_DATA_DIR=str(data_dir),
        WASPADA_API_HOST="127.0.0.1",
        WASPADA_API_PORT=str(port),
        WASPADA_LOG_LEVEL="WARNING",
        # The benchmark measures the service, not the per-key limiter.
        WASPADA_API_RATE_LIMIT="1000000",
        WASPADA_API_RATE_BURST="1000000",
    )
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "monitor", "api"], env=env, stdout=out, stderr=subprocess.STDOUT
        )


def _wait(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise fail(f"the API exited early:\n{log.read_text()[-2000:]}")
        try:
            httpx.get(f"{base}/healthz", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise fail("the API did not start within 60 s")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _scenarios(
    seeded: benchdata.Seeded, reviewer: str, liaison: str, rng: random.Random
) -> dict[str, Callable[[], Request]]:
    rh = {"Authorization": f"Bearer {reviewer}"}
    lh = {"Authorization": f"Bearer {liaison}"}
    filters = itertools.cycle(QUEUE_FILTERS)
    decide = iter(rng.sample(seeded.flagged_new, len(seeded.flagged_new)))
    sample = seeded.flagged

    def queue_req() -> Request:
        params = {**next(filters), "limit": "50"}
        return lambda c: c.get("/api/v1/items", params=params, headers=rh)

    def liaison_req() -> Request:
        params = {"status": "new", "limit": "50"}
        return lambda c: c.get("/api/v1/items", params=params, headers=lh)

    def detail_req() -> Request:
        item = rng.choice(sample)
        return lambda c: c.get(f"/api/v1/items/{item}", headers=rh)

    def decision_req() -> Request:
        item = next(decide)
        body = {"action": "confirm", "expected_status": "new"}
        return lambda c: c.post(f"/api/v1/items/{item}/decision", json=body, headers=rh)

    def mix_req() -> Request:
        params = {"status": "new", "limit": "50", "mix": "uncertain"}
        return lambda c: c.get("/api/v1/items", params=params, headers=rh)

    return {
        "queue": queue_req,
        "queue-liaison": liaison_req,
        "detail": detail_req,
        "decision": decision_req,
        "queue-mix": mix_req,
    }


def bench_api(
    posts: Annotated[int, typer.Option(help="posts to seed")] = 100_000,
    rate: Annotated[float, typer.Option(help="requests/s started per scenario (open loop)")] = 200,
    decision_rate: Annotated[float, typer.Option(help="decisions/s started")] = 50,
    seconds: Annotated[float, typer.Option(help="duration of each scenario")] = 10,
    connections: Annotated[int, typer.Option(help="client connections")] = 32,
    workers: Annotated[int, typer.Option(help="clients for the closed-loop ceiling")] = 8,
    database_url: Annotated[
        str | None, typer.Option(help="scratch database (default: a temporary SQLite file)")
    ] = None,
    plans: Annotated[bool, typer.Option(help="print the queue's query plans")] = True,
) -> None:
    """Seed N posts, start the API on 127.0.0.1 and print req/s and p50/p95/p99 latency."""
    if posts < 1000 or rate <= 0 or decision_rate <= 0 or seconds <= 0 or connections < 1:
        raise fail("need --posts >= 1000 and positive --rate, --seconds, --connections", 2)
    tmp = tempfile.TemporaryDirectory(prefix="waspada-bench-api-")
    data_dir = Path(tmp.name)
    url = database_url or f"sqlite:///{data_dir / 'bench.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    backend = engine.dialect.name
    with engine.connect() as conn:
        if conn.scalar(select(func.count()).select_from(Post)):
            raise fail("the database already holds posts; point --database-url at a scratch one")
    typer.echo(f"seeding {posts:,} posts on {backend} ...")
    t0 = time.perf_counter()
    with engine.begin() as conn:
        seeded = benchdata.seed(conn, posts)
        if backend == "postgresql":
            conn.execute(
                text("SELECT setval(pg_get_serial_sequence('posts', 'id'), max(id)) FROM posts")
            )
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    typer.echo(
        f"seeded in {time.perf_counter() - t0:.1f} s: {len(seeded.flagged):,} flagged, "
        f"{len(seeded.flagged_new):,} waiting for review"
    )
    with Session(engine) as session:
        _, reviewer = keys.create_key(session, "bench-reviewer", "reviewer")
        _, liaison = keys.create_key(session, "bench-liaison", "liaison", ["32"])
        session.commit()
        reviewer_p = keys.verify_key(session, reviewer)
        liaison_p = keys.verify_key(session, liaison)
    assert reviewer_p is not None and liaison_p is not None
    if plans:
        _plans(engine, reviewer_p, liaison_p)
    engine.dispose()

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = data_dir / "api.log"
    proc = _server(url, data_dir, port, log)
    try:
        _wait(base, proc, log)
        scenarios = _scenarios(seeded, reviewer, liaison, random.Random(11))
        needed = int(decision_rate * seconds) + 1
        if needed > len(seeded.flagged_new):
            raise fail(f"--posts too small for {needed} decisions; raise --posts or lower rates")
        results = _run(base, scenarios, rate, decision_rate, seconds, connections, workers)
        if any(k.startswith("5") for r in results for k in r.errors):
            typer.echo(f"server errors; the API log ends:\n{log.read_text()[-4000:]}", err=True)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        tmp.cleanup()
    typer.echo(f"\n{backend}, {posts:,} posts, {seconds:g} s per scenario, 2-core host")
    typer.echo(HEADER)
    for result in results:
        typer.echo(result.line())
        if result.errors:
            typer.echo(f"{'':16}errors: {result.errors}")


async def _drain(base: str, limit: float = 120.0) -> None:
    """Wait until the server has worked off any backlog, so scenarios do not bleed together."""
    deadline = time.perf_counter() + limit
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            with contextlib.suppress(httpx.HTTPError):
                await client.get("/healthz")
            if time.perf_counter() - t0 < 0.05:
                return
            await asyncio.sleep(0.5)


def _run(
    base: str,
    scenarios: dict[str, Callable[[], Request]],
    rate: float,
    decision_rate: float,
    seconds: float,
    conns: int,
    workers: int,
) -> Sequence[Result]:
    async def run() -> list[Result]:
        # Warm up connections, caches and the key cache before measuring.
        await closed_loop(base, "warmup", scenarios["queue"], 4, min(2.0, seconds))
        return [
            await open_loop(base, "queue", scenarios["queue"], rate, seconds, conns),
            await open_loop(
                base, "queue-liaison", scenarios["queue-liaison"], rate, seconds, conns
            ),
            await open_loop(base, "detail", scenarios["detail"], rate, seconds, conns),
            await open_loop(base, "decision", scenarios["decision"], decision_rate, seconds, conns),
            await closed_loop(base, "queue (ceiling)", scenarios["queue"], workers, seconds),
            await closed_loop(base, "queue-mix", scenarios["queue-mix"], 2, seconds),
        ]

    return asyncio.run(run())
