"""Scale-out: two `waspada scheduler` processes on one PostgreSQL fetch each due source once.

Also: two scoring workers on one PostgreSQL classify each post once, and on SQLite a second
scheduler is refused (one process does everything there).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from werkzeug import Request, Response

from classifiers.contracts import Classification, Matcher
from monitor.core.db import make_engine
from monitor.core.runtime import Runtime
from monitor.flows import scoring
from monitor.posts import service as posts
from monitor.posts.models import Post
from monitor.posts.schemas import PostIn
from monitor.predictions.models import Prediction
from monitor.sources.models import Source
from tests.collectors.conftest import TinyClassifier
from tests.support.processes import start_waspada, waspada_env

SOURCES = 16


def _feed(n: int) -> bytes:
    items = "".join(
        f"<item><title>Kabar pemilu nomor {n}-{k}</title><guid>scale-{n}-{k}</guid>"
        f"<link>https://daerah{n}.example/berita/{k}</link>"
        f"<description>Warga desa {n} membahas persiapan pemungutan suara ke-{k} "
        "di balai desa bersama petugas.</description></item>"
        for k in (1, 2)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Daerah {n}</title>{items}</channel></rss>"
    ).encode()


class CountingFeeds:
    """Serves /feed/<n>.xml slowly enough that both schedulers are busy at once; counts hits."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        with self.lock:
            self.hits[request.path] += 1
        time.sleep(0.25)
        n = int(request.path.rsplit("/", 1)[1].removesuffix(".xml"))
        return Response(_feed(n), content_type="application/rss+xml")


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    """A threaded server so concurrent fetches from two processes really overlap."""
    srv = HTTPServer(host="127.0.0.1", threaded=True)
    srv.start()
    yield srv
    srv.clear()
    srv.stop()


def _write_sources(path: Path, server: HTTPServer) -> Path:
    entries = [
        f'[[sources]]\nname = "daerah-{n}"\nkind = "rss"\n'
        f'url = "{server.url_for(f"/feed/{n}.xml")}"\ninterval = "1h"\nlanguage = "id"\n'
        for n in range(SOURCES)
    ]
    path.write_text("\n".join(entries), encoding="utf-8")
    return path


def _wait_for(text: str, log: Path, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and text in log.read_text():
            return
        if proc.poll() is not None:
            raise AssertionError(f"process exited early:\n{log.read_text()}")
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not logged within {timeout}s:\n{log.read_text()}")


def test_two_schedulers_fetch_each_due_source_once(
    fresh_db_url: str, tmp_path: Path, server: HTTPServer
) -> None:
    feeds = CountingFeeds()
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    for n in range(SOURCES):
        server.expect_request(f"/feed/{n}.xml").respond_with_handler(feeds)
    env = waspada_env(
        tmp_path / "data",
        fresh_db_url,
        WASPADA_SCHEDULER_TICK="PT1S",
        WASPADA_HTTP_HOST_INTERVAL="0",
        WASPADA_COLLECT_BATCH="3",
    )
    logs = [tmp_path / "sched-a.log", tmp_path / "sched-b.log"]
    first = start_waspada(["scheduler"], env, logs[0])
    procs = [first]
    try:
        _wait_for("scheduler started", logs[0], first)
        if fresh_db_url.startswith("sqlite"):
            second = subprocess.run(
                [sys.executable, "-m", "monitor", "scheduler"],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert second.returncode == 1 and "another waspada process" in second.stderr
            return
        # Deployment step, as `waspada up` does at start: the region list must exist before
        # concurrent ingests tag posts (lazy loading inside two ingests races on its keys).
        loaded = subprocess.run(
            [sys.executable, "-m", "monitor", "regions", "load"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert loaded.returncode == 0, loaded.stderr
        procs.append(start_waspada(["scheduler"], env, logs[1]))
        _wait_for("scheduler started", logs[1], procs[1])
        # Both are ticking; now every source becomes due at the same moment.
        synced = subprocess.run(
            [
                sys.executable,
                "-m",
                "monitor",
                "sources",
                "sync",
                str(_write_sources(tmp_path / "s.toml", server)),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert synced.returncode == 0 and f"{SOURCES} added" in synced.stdout, synced.stderr
        engine = make_engine(fresh_db_url)
        done = select(func.count()).select_from(Source).where(Source.last_success_at.is_not(None))
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                if conn.scalar(done) == SOURCES:
                    break
            time.sleep(0.3)
        time.sleep(3)  # several more ticks of both schedulers: nothing is due again
        with engine.connect() as conn:
            stored = conn.scalar(select(func.count()).select_from(Post))
            leased = conn.scalar(
                select(func.count()).select_from(Source).where(Source.lease_owner.is_not(None))
            )
        engine.dispose()
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=30)
    feed_hits = {path: n for path, n in feeds.hits.items() if path.startswith("/feed/")}
    assert feed_hits == {f"/feed/{n}.xml": 1 for n in range(SOURCES)}
    assert stored == 2 * SOURCES and leased == 0
    texts = [log.read_text() for log in logs]
    per_process = [t.count('msg="source collected"') for t in texts]
    assert sum(per_process) == SOURCES
    assert all(n > 0 for n in per_process), per_process  # both really took part
    assert all("Traceback" not in t for t in texts)


class _CountingClassifier(TinyClassifier):
    """The tiny real classifier, remembering every text it was asked to score."""

    def __init__(self, seen: list[str], lock: threading.Lock) -> None:
        super().__init__("tiny-1")
        self.seen, self.lock = seen, lock

    def classify(
        self, texts: Sequence[str], matcher: Matcher | None = None
    ) -> list[Classification]:
        """Record the texts, pause a little so the other worker overlaps, then score."""
        with self.lock:
            self.seen.extend(texts)
        time.sleep(0.05)
        return super().classify(texts, matcher)


def test_two_scoring_workers_score_each_post_once(fresh_rt: Runtime) -> None:
    if fresh_rt.settings.is_sqlite:
        pytest.skip("SQLite runs one process; scoring concurrency is a PostgreSQL feature")
    rt = Runtime(
        settings=fresh_rt.settings.model_copy(update={"score_batch": 10}),
        engine=fresh_rt.engine,
        factory=fresh_rt.factory,
    )
    with rt.session() as s:
        posts.ingest(
            s,
            [
                PostIn(
                    platform="test",
                    external_id=f"p{i}",
                    text=f"warga kampung {i} menerima amplop berisi uang dari tim sukses calon",
                )
                for i in range(120)
            ],
            default_language="id",
        )
    seen: list[str] = []
    lock = threading.Lock()
    totals: dict[str, int] = {}

    def work(name: str) -> None:
        totals[name] = scoring.score_pending(rt, _CountingClassifier(seen, lock), None, worker=name)

    threads = [threading.Thread(target=work, args=(n,)) for n in ("w1", "w2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sum(totals.values()) == 120 and all(totals.values()), totals
    assert len(seen) == 120 and len(set(seen)) == 120  # no post classified twice
    with rt.session() as s:
        assert s.scalar(select(func.count()).select_from(Prediction)) == 120 * 4
