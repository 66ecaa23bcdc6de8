"""`waspada bench api`: seed N posts, serve them with uvicorn, load the review API, print figures.

Open-loop load: requests start on a fixed schedule (`--rate` per second) whatever the
server's speed, and each latency runs from the scheduled start, so a slow server cannot
hide its queueing delay (no coordinated omission). The client runs on the same machine
and takes CPU from the server; the figures are a floor, not a ceiling.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from monitor.cli.bench import reviews_data as benchdata
from monitor.cli.bench import reviews_load as benchload
from monitor.cli.bench import reviews_refs as benchrefs
from monitor.cli.common import fail
from monitor.core import migrate
from monitor.core.db import make_engine
from monitor.desk import narratives, pagerows, queue
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
            statement = pagerows.flat_statement(session, who, filters, "priority", None, 51)
            typer.echo(f"\n-- plan: {label}")
            for line in explain(session, statement):
                typer.echo(f"   {line}")
        for who, label, filters in (cases[0], cases[3]):
            where = queue.conditions(session, who, filters)
            statement = narratives.tops_statement(where, queue.queue_order("priority"), None, 51)
            typer.echo(f"\n-- plan: grouped {label}")
            for line in explain(session, statement):
                typer.echo(f"   {line}")
        session.rollback()


def _scenarios(
    seeded: benchdata.Seeded, reviewer: str, liaison: str, rng: random.Random
) -> dict[str, Callable[[], benchload.Request]]:
    rh = {"Authorization": f"Bearer {reviewer}"}
    lh = {"Authorization": f"Bearer {liaison}"}
    filters = itertools.cycle(QUEUE_FILTERS)
    decide = iter(rng.sample(seeded.flagged_new, len(seeded.flagged_new)))  # once per id
    sample = seeded.flagged

    def queue_req() -> benchload.Request:
        # Flat rows, as the published figures were measured; the grouped default is not timed.
        params = {**next(filters), "limit": "50", "group": "none"}
        return lambda c: c.get("/api/v1/items", params=params, headers=rh)

    def liaison_req() -> benchload.Request:
        params = {"status": "new", "limit": "50", "group": "none"}
        return lambda c: c.get("/api/v1/items", params=params, headers=lh)

    def detail_req() -> benchload.Request:
        item = rng.choice(sample)
        return lambda c: c.get(f"/api/v1/items/{item}", headers=rh)

    def decision_req() -> benchload.Request:
        item = next(decide)
        body = {"action": "confirm", "expected_status": "new"}
        return lambda c: c.post(f"/api/v1/items/{item}/decision", json=body, headers=rh)

    def mix_req() -> benchload.Request:
        params = {"status": "new", "limit": "50", "mix": "uncertain"}
        return lambda c: c.get("/api/v1/items", params=params, headers=rh)

    def grouped_req() -> benchload.Request:
        params = {**next(filters), "limit": "50", "group": "cluster"}
        return lambda c: c.get("/api/v1/items", params=params, headers=rh)

    def grouped_liaison_req() -> benchload.Request:
        params = {"status": "new", "limit": "50", "group": "cluster"}
        return lambda c: c.get("/api/v1/items", params=params, headers=lh)

    return {
        "queue": queue_req,
        "queue-liaison": liaison_req,
        "grouped": grouped_req,
        "grouped-liaison": grouped_liaison_req,
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
    processes: Annotated[
        int, typer.Option(help="also serve from this many API processes (PostgreSQL)")
    ] = 1,
    database_url: Annotated[
        str | None, typer.Option(help="scratch database (default: a temporary SQLite file)")
    ] = None,
    reuse: Annotated[
        bool, typer.Option(help="reuse posts an earlier run seeded in --database-url")
    ] = False,
    plans: Annotated[bool, typer.Option(help="print the queue's query plans")] = True,
    single: Annotated[
        bool, typer.Option(help="with --processes N, also run every scenario on one process")
    ] = True,
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
    if processes > 1 and backend != "postgresql":
        raise fail("--processes above 1 needs PostgreSQL (--database-url)", 2)
    seeded = _seeded(engine, posts, reuse)
    with Session(engine) as session:
        _, reviewer = keys.create_key(session, "bench-reviewer", "reviewer")
        _, liaison = keys.create_key(session, "bench-liaison", "liaison", ["32"])
        session.commit()
        reviewer_p = keys.verify_key(session, reviewer)
        liaison_p = keys.verify_key(session, liaison)
        session.commit()
    assert reviewer_p is not None and liaison_p is not None
    if plans:
        _plans(engine, reviewer_p, liaison_p)
    references = benchrefs.measure(engine, reviewer)
    db_pid = benchload.database_pid(engine)
    engine.dispose()

    scenarios = _scenarios(seeded, reviewer, liaison, random.Random(11))
    needed = int(decision_rate * seconds) * (2 if processes > 1 else 1) + 1
    if needed > len(seeded.flagged_new):
        raise fail(f"--posts too small for {needed} decisions; raise --posts or lower rates")
    tables: list[tuple[int, Sequence[benchload.Result]]] = []
    try:
        for n in sorted({1, processes}) if single else [processes]:
            port = benchload.free_port()
            base = f"http://127.0.0.1:{port}"
            log = data_dir / f"api-{n}.log"
            proc = benchload.server(url, data_dir, port, log, n)
            try:
                benchload.wait(base, proc, log)
                results = _run(
                    base,
                    scenarios,
                    rate,
                    decision_rate,
                    seconds,
                    connections,
                    workers,
                    proc.pid,
                    db_pid,
                )
                if any(k.startswith("5") for r in results for k in r.errors):
                    typer.echo(
                        f"server errors; the API log ends:\n{log.read_text()[-4000:]}", err=True
                    )
            finally:
                proc.terminate()
                proc.wait(timeout=60)
            tables.append((n, results))
    finally:
        tmp.cleanup()
    cores = os.cpu_count()
    typer.echo(f"\n{backend}, {seeded.posts:,} posts, {seconds:g} s per scenario, {cores} cores")
    typer.echo(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")
    typer.echo("references, same run (one client, back to back):")
    for ref in references:
        typer.echo(ref.line())
    for n, results in tables:
        typer.echo(f"\napi processes: {n}")
        typer.echo(benchload.HEADER)
        for result in results:
            typer.echo(result.line())
            if result.errors:
                typer.echo(f"{'':16}errors: {result.errors}")


def _seeded(engine: Engine, posts: int, reuse: bool) -> benchdata.Seeded:
    """Seed a scratch database, or (with --reuse) read back what an earlier run seeded."""
    backend = engine.dialect.name
    with engine.connect() as conn:
        stored = conn.scalar(select(func.count()).select_from(Post))
        earlier = benchdata.existing(conn) if reuse and stored else None
    if earlier is not None:
        typer.echo(
            f"reusing {earlier.posts:,} bench posts on {backend}: {len(earlier.flagged_new):,} "
            "flagged posts waiting for review"
        )
        return earlier
    if stored:
        hint = " (--reuse takes only a database this bench seeded)" if reuse else ""
        raise fail(f"the database already holds posts; point --database-url at a scratch one{hint}")
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
    return seeded


def _run(
    base: str,
    scenarios: dict[str, Callable[[], benchload.Request]],
    rate: float,
    decision_rate: float,
    seconds: float,
    conns: int,
    workers: int,
    pid: int,
    db_pid: int | None = None,
) -> Sequence[benchload.Result]:
    open_loop, closed_loop = benchload.open_loop, benchload.closed_loop

    async def timed(run: Awaitable[benchload.Result]) -> benchload.Result:
        cpu = benchload.tree_cpu(pid)
        db = benchload.tree_cpu(db_pid) if db_pid else float("nan")
        result = await run
        result.server_cpu = benchload.tree_cpu(pid) - cpu
        if db_pid:
            result.db_cpu = benchload.tree_cpu(db_pid) - db
        typer.echo(f"  done: {result.line()}", err=True)
        await benchload.drain(base)
        return result

    async def warm(name: str) -> None:
        # Why each read scenario gets its own: a scenario's first requests verify its key
        # (scrypt, once per process) and read pages no earlier scenario touched; timed cold,
        # those showed as its tail (the liaison queue's p95) while the reviewer's was warm.
        await closed_loop(base, "warmup", scenarios[name], 4, min(1.0, seconds))

    async def warm_then_open(name: str) -> benchload.Result:
        await warm(name)
        return await timed(open_loop(base, name, scenarios[name], rate, seconds, conns))

    async def run() -> list[benchload.Result]:
        # Warm up connections and caches before measuring.
        await closed_loop(base, "warmup", scenarios["queue"], 4, min(2.0, seconds))
        out = [
            await warm_then_open(name) for name in ("queue", "queue-liaison", "queue-mix", "detail")
        ]
        out.append(
            await timed(
                open_loop(base, "decision", scenarios["decision"], decision_rate, seconds, conns)
            )
        )
        out.append(
            await timed(closed_loop(base, "queue (ceiling)", scenarios["queue"], workers, seconds))
        )
        # Last: a slow grouped page must not leave a backlog that skews the others.
        out.extend([await warm_then_open(name) for name in ("grouped", "grouped-liaison")])
        return out

    return asyncio.run(run())
