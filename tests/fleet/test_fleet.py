"""Two schedulers, two scoring workers and two API processes on one PostgreSQL.

Posts arrive through RSS feeds on 127.0.0.1 and through both APIs (every batch sent to both
at once). Proved at the end: each feed fetched once, each post stored once, scored once (one
prediction per label and model version, and the workers' own counts add up to the posts),
each alert delivered once to a webhook receiver, and the posts a SIGKILLed worker held were
scored by another once its lease ran out. Every process starts at once and the test waits
on conditions with deadlines, never fixed sleeps, except two seconds of extra ticks at the
end (what would run twice must have had the chance to).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, func, select

from monitor.alerts.models import Alert, Delivery
from monitor.core.db import make_engine
from monitor.core.outbound import policy_for
from monitor.core.runtime import runtime_for_engine
from monitor.core.settings import load_settings
from monitor.posts.language import CLASSIFIABLE
from monitor.posts.models import Post
from monitor.predictions.models import Prediction
from monitor.scheduler.models import JobTurn
from monitor.sources import service as sources_service
from monitor.sources import sourcesfile
from monitor.sources.models import Source
from tests.fleet import world
from tests.support.processes import free_port, start_waspada, wait_http, waspada_env

pytestmark = pytest.mark.fleet

SOURCES, PER_SOURCE = 6, 15
API_BATCHES, PER_BATCH = 8, 40


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    """A threaded server: feeds and the webhook receiver answer several processes at once."""
    srv = HTTPServer(host="127.0.0.1", threaded=True)
    srv.start()
    yield srv
    srv.clear()
    srv.stop()


def _wait(what: str, check: Callable[[], bool], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _count(engine: Engine, stmt: object) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(stmt) or 0)  # type: ignore[call-overload]


def _batch(b: int) -> dict[str, object]:
    flagged = world.flagged_texts()
    posts = []
    for i in range(PER_BATCH):
        n = b * PER_BATCH + i
        text = (
            flagged[n % len(flagged)] + f" (kiriman warga {n})"
            if n % 4 == 0
            else world.ORDINARY[n % len(world.ORDINARY)].format(n=f"api-{n}")
        )
        posts.append({"platform": "whatsapp", "external_id": f"wa-{n}", "text": text})
    return {"posts": posts}


def _push_everywhere(bases: list[str], key: str) -> None:
    """Send every batch to both API processes at the same moment (the same posts twice)."""
    headers = {"Authorization": f"Bearer {key}"}

    def send(args: tuple[str, int]) -> int:
        base, b = args
        r = httpx.post(f"{base}/api/v1/ingest", json=_batch(b), headers=headers, timeout=30)
        assert r.status_code == 200, r.text
        return int(r.json()["received"])

    jobs = [(base, b) for b in range(API_BATCHES) for base in bases]
    with ThreadPoolExecutor(len(bases)) as pool:
        assert sum(pool.map(send, jobs)) == len(jobs) * PER_BATCH


def _kill_holding_a_lease(engine: Engine, proc: subprocess.Popen[bytes]) -> set[int]:
    """Freeze the worker while it holds a leased batch, then SIGKILL it; return those posts."""
    owner = f"%:{proc.pid}"
    held = select(Post.id).where(Post.score_lease_owner.like(owner))
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the first worker exited on its own"
        with engine.connect() as conn:
            if conn.execute(held.limit(1)).first() is None:
                time.sleep(0.01)
                continue
        os.kill(proc.pid, signal.SIGSTOP)  # the batch may be mid-classify or mid-store
        with engine.connect() as conn:
            ids = set(conn.scalars(held))
        if ids:
            proc.kill()
            proc.wait(10)
            return ids
        os.kill(proc.pid, signal.SIGCONT)  # stored just before the stop: try the next batch
    raise AssertionError("the first worker never held a lease")


def _scored_in_logs(logs: list[Path]) -> int:
    total = 0
    for log in logs:
        for line in log.read_text().splitlines():
            if line.startswith("{") and '"batch scored"' in line:
                total += int(json.loads(line)["posts"])
    return total


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_fleet_shares_the_work_once(fresh_db_url: str, tmp_path: Path, server: HTTPServer) -> None:
    receiver = world.Receiver()
    server.expect_request("/hook", method="POST").respond_with_handler(receiver)
    feeds, feed_items = world.serve_feeds(server, SOURCES, PER_SOURCE)
    data_dir = tmp_path / "data"  # one model store for all (as an NFS mount would be)
    engine = make_engine(fresh_db_url)
    rt = runtime_for_engine(load_settings(data_dir=data_dir, database_url=fresh_db_url), engine)

    env = waspada_env(
        data_dir,
        fresh_db_url,
        WASPADA_LOG_FORMAT="json",
        # The same keys as this process: the subscription's webhook secret was encrypted here.
        WASPADA_SECRETS_KEY=os.environ["WASPADA_SECRETS_KEY"],
        WASPADA_AUDIT_KEY=os.environ["WASPADA_AUDIT_KEY"],
        WASPADA_SCHEDULER_TICK="PT1S",
        WASPADA_SCHEDULER_SCORE="false",  # the workers score
        WASPADA_ALERTS_INTERVAL="PT2S",
        WASPADA_SCORE_LEASE="PT5S",  # a killed worker's batch comes back after 5 s
        WASPADA_SCORE_BATCH="8",
        WASPADA_HTTP_HOST_INTERVAL="0",
        WASPADA_API_RATE_LIMIT="1000",
        WASPADA_API_RATE_BURST="1000",
    )
    procs: dict[str, subprocess.Popen[bytes]] = {}
    logs: dict[str, Path] = {}

    def start(name: str, args: list[str], **extra: str) -> subprocess.Popen[bytes]:
        logs[name] = tmp_path / f"{name}.log"
        procs[name] = start_waspada(args, {**env, **extra}, logs[name])
        return procs[name]

    try:
        # Every process starts at once and cold-starts while this one prepares the world:
        # nothing is due and no model is promoted until `prepare` commits.
        ports = [free_port(), free_port()]
        for i, port in enumerate(ports):
            start(f"api-{i}", ["api"], WASPADA_API_PORT=str(port))
        start("scheduler-0", ["scheduler"])
        start("scheduler-1", ["scheduler"])
        debug = {"WASPADA_LOG_LEVEL": "DEBUG"}  # per-batch counts
        idle = ["--idle", "0.5"]  # the fallback poll; arrivals wake the workers (NOTIFY)
        first = start("worker-killed", ["worker", "score", *idle], **debug)
        start("worker-0", ["worker", "score", *idle], **debug)
        start("worker-1", ["worker", "score", *idle], **debug)
        key = world.prepare(rt, server.url_for("/hook"))
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        for i, base in enumerate(bases):
            # Generous: start-up is seconds alone, but a busy CI box runs seven at once.
            wait_http(f"{base}/healthz", procs[f"api-{i}"], timeout=180)
        # The operator's `waspada sources sync`, in this process (one cold start fewer).
        specs = sourcesfile.load(world.sources_toml(tmp_path / "s.toml", server, SOURCES))
        with rt.session() as s:
            sources_service.sync(s, specs, policy=policy_for(rt.settings))
        # The three workers share the API posts; one is frozen and killed holding a batch.
        with ThreadPoolExecutor(1) as background:
            pushing = background.submit(_push_everywhere, bases, key)
            held = _kill_holding_a_lease(engine, first)
            pushing.result(timeout=120)  # re-raises what went wrong in the push

        classifiable = select(func.count()).where(
            Post.language.in_(CLASSIFIABLE), Post.duplicate_of_id.is_(None)
        )
        unscored = classifiable.where(Post.classified_at.is_(None))
        fetched = select(func.count()).where(Source.last_success_at.is_not(None))
        _wait("every feed fetched", lambda: _count(engine, fetched) == SOURCES)
        _wait("every post scored", lambda: _count(engine, unscored) == 0)
        undelivered = select(func.count()).where(Delivery.status != "sent")
        alerts = select(func.count()).select_from(Alert)
        _wait(
            "an alert delivered",
            lambda: _count(engine, alerts) > 0 and _count(engine, undelivered) == 0,
        )
        time.sleep(2)  # more ticks of everything (1 s ticks, 2 s alert turns): nothing twice
        for name, proc in procs.items():
            assert proc.poll() is None or name == "worker-killed", logs[name].read_text()
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:  # a badly overloaded box: do not leak it
                proc.kill()
                proc.wait(10)

    # Fetched and stored once.
    assert {p: n for p, n in feeds.hits.items() if p.startswith("/feed/")} == {
        f"/feed/{n}.xml": 1 for n in range(SOURCES)
    }
    posts = _count(engine, select(func.count()).select_from(Post))
    assert posts == feed_items + API_BATCHES * PER_BATCH
    # Scored once: one prediction per label and version, and the workers scored each post
    # exactly once between them (the killed worker's unstored batch counts nowhere).
    with engine.connect() as conn:
        per_post = Counter(
            conn.execute(select(Prediction.post_id, Prediction.model_version)).tuples()
        )
        scored_posts = conn.scalar(classifiable)
        orphans = conn.execute(
            select(Post.id, Post.classified_at, Post.score_lease_owner).where(Post.id.in_(held))
        ).all()
        turns = {t.name: t.owner for t in conn.execute(select(JobTurn)).all()}
        deliveries = conn.execute(select(Delivery.alert_id, Delivery.attempts)).all()
    assert set(per_post.values()) == {4} and len(per_post) == scored_posts
    assert {v for _, v in per_post} == {"fleet-1"}
    worker_logs = [logs["worker-0"], logs["worker-1"], logs["worker-killed"]]
    assert _scored_in_logs(worker_logs) == scored_posts
    # The killed worker's batch was taken over and scored by another worker.
    assert orphans and all(at is not None and owner is None for _, at, owner in orphans)
    # Each alert delivered once, to the one subscription, and received once.
    assert deliveries and all(attempts == 1 for _, attempts in deliveries)
    assert len({a for a, _ in deliveries}) == len(deliveries)
    assert receiver.alerts == Counter({a: 1 for a, _ in deliveries})
    # Once-per-period jobs ran on one of the two schedulers each period.
    assert turns.get("alerts-evaluate", "").split(":")[-1] in {
        str(procs["scheduler-0"].pid),
        str(procs["scheduler-1"].pid),
    }
    for name, log in logs.items():
        assert "Traceback" not in log.read_text(), (name, log.read_text()[-3000:])
    rt.close()
