"""`waspada bench alerts`: rule evaluation over a week of flags, then webhook delivery rate."""

from __future__ import annotations

import random
import resource
import secrets
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import insert, select

from classifiers.contracts import LABELS
from monitor.alerts import service
from monitor.alerts.delivery import DeliveryPolicy, deliver_pending
from monitor.alerts.models import Subscription
from monitor.alerts.rules import window_start
from monitor.cli.common import fail
from monitor.core import migrate
from monitor.core.base import utcnow
from monitor.core.db import make_engine
from monitor.core.runtime import Runtime, runtime_for_engine
from monitor.core.settings import load_settings
from monitor.posts.models import Post, PostRegion
from monitor.regions.models import Region
from monitor.regions.service import load_regions

BURST_REGION = "15.07"


class _Sink(BaseHTTPRequestHandler):
    """A webhook receiver that accepts everything (the figure is Waspada's, not the sink's)."""

    def do_POST(self) -> None:
        """Read and acknowledge one delivery."""
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Stay quiet."""


@contextmanager
def _sink() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()
        server.server_close()


def _seed(rt: Runtime, posts: int, now: datetime, rng: random.Random) -> int:
    """Store `posts` flagged posts over the past week plus a burst in 15.07 this hour."""
    with rt.session() as s:
        load_regions(s, with_districts=False)
        kab = [c for c in s.scalars(select(Region.code)) if c.count(".") == 1]
    start = window_start(now, timedelta(hours=1))
    week = int(timedelta(days=7).total_seconds())
    rows: list[dict[str, object]] = []
    for i in range(posts):
        at = start - timedelta(seconds=rng.randrange(1, week))
        rows.append(_post_row(i, at, rng.choice(kab), rng.choice(LABELS)))
    for j in range(20):
        # Spread inside [window start, now), however early in the hour the bench runs.
        at = start + (now - start) * ((j + 0.5) / 20)
        rows.append(_post_row(posts + j, at, BURST_REGION, LABELS[2]))
    with rt.session() as s:
        for chunk in range(0, len(rows), 5000):
            batch = rows[chunk : chunk + 5000]
            ids = s.scalars(
                insert(Post).returning(Post.id),
                [{k: v for k, v in r.items() if k != "region"} for r in batch],
            ).all()
            s.execute(
                insert(PostRegion),
                [
                    {
                        "post_id": pid,
                        "region_code": r["region"],
                        "province_code": str(r["region"]).split(".")[0],
                        "origin": "text",
                        "evidence": "bench",
                    }
                    for pid, r in zip(ids, batch, strict=True)
                ],
            )
    return len(rows)


def _post_row(n: int, at: datetime, region: str, label: str) -> dict[str, object]:
    return {
        "platform": "bench",
        "external_id": f"bench-{n}",
        "text": f"bench post {n}",
        "content_hash": f"{n:064x}",
        "fetched_at": at,
        "published_at": at,
        "flagged": True,
        "labels": [label],
        "review_status": "new",
        "region": region,
    }


def _subscribe(rt: Runtime, url: str, n: int) -> None:
    with rt.session() as s:
        s.add_all(
            Subscription(
                name=f"bench {i}",
                region_codes=["15"],
                labels=[],
                rules=[],
                channel="webhook",
                target=url,
                secret=secrets.token_urlsafe(32),
            )
            for i in range(n)
        )


def bench_alerts(
    posts: Annotated[int, typer.Option(min=100, help="Flagged posts over the past week")] = 50_000,
    subscribers: Annotated[int, typer.Option(min=1, help="Webhooks told about the burst")] = 200,
    database_url: Annotated[
        str | None, typer.Option(help="Database to fill (default: a temporary SQLite file)")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed")] = 7,
) -> None:
    """Time one rule evaluation over a week of flags, a repeat (dedup) and the webhook fan-out."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="waspada-bench-alerts-") as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        try:
            migrate.upgrade(engine)
        except Exception as exc:  # a bad URL or an unreachable server: say so, briefly
            raise fail(f"cannot prepare {url.split('@')[-1]}: {type(exc).__name__}") from None
        # The bench's webhook sink listens on 127.0.0.1: allow exactly that, explicitly.
        settings = load_settings(data_dir=Path(tmp), database_url=url, outbound_allow="127.0.0.1")
        rt = runtime_for_engine(settings, engine)
        try:
            _run(rt, posts, subscribers, rng)
        finally:
            rt.close()


def _run(rt: Runtime, posts: int, subscribers: int, rng: random.Random) -> None:
    now = utcnow()
    t0 = time.perf_counter()
    stored = _seed(rt, posts, now, rng)
    typer.echo(
        f"database: {rt.engine.dialect.name}; seeded {stored} flagged posts "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    with _sink() as hook:
        _subscribe(rt, hook, subscribers)
        for attempt in ("first pass", "repeat (dedup)"):
            t0 = time.perf_counter()
            with rt.session() as s:
                result = service.evaluate(s, now)
            typer.echo(
                f"evaluate {attempt}: {time.perf_counter() - t0:.2f} s, raised {result.raised}, "
                f"merged {result.merged}, deliveries queued {result.deliveries}"
            )
        policy = DeliveryPolicy(batch=100, workers=8, timeout=5.0, lease=timedelta(minutes=5))
        sent = 0
        t0 = time.perf_counter()
        while True:
            r = deliver_pending(rt, policy)
            sent += r.sent
            if r.sent + r.retried + r.dead == 0:
                break
        spent = time.perf_counter() - t0
    typer.echo(f"delivered {sent} signed webhooks in {spent:.2f} s ({sent / spent:.0f}/s)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    typer.echo(f"peak memory: {peak:.0f} MB")
