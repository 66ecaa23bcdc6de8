"""`waspada up` end to end: collect from a local server, store, classify, serve; survive kill -9.

The sources file points at a threaded HTTP server on 127.0.0.1 serving the recorded RSS, Atom,
Mastodon and WordPress payloads. The WordPress source's second page hangs until the test has
killed the process with SIGKILL, so the kill lands in the middle of a collection run.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from typer.testing import CliRunner
from werkzeug import Request, Response

from monitor.cli.main import app
from monitor.core.db import make_engine
from monitor.modelversions.models import ModelVersion
from monitor.posts.models import Post
from monitor.predictions.models import Prediction
from monitor.sources.models import Source
from tests.collectors.conftest import fixture_bytes
from tests.support.processes import free_port, start_waspada, wait_http, waspada_env

# 3 RSS + 2 Atom + 2 Mastodon + 3 WordPress posts, none an exact copy of another.
EXPECTED_POSTS = 10
BEFORE_WORDPRESS = 7


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    """A threaded server: one hanging handler must not stall the other sources."""
    srv = HTTPServer(host="127.0.0.1", threaded=True)
    srv.start()
    yield srv
    srv.clear()
    srv.stop()


class WordPressGate:
    """Serves WordPress pages; page 2 hangs the first time until `release` is set."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()
        self.hung = False

    def __call__(self, request: Request) -> Response:
        page = request.args.get("page", "1")
        if page == "2" and not self.hung:
            self.hung = True
            self.reached.set()
            self.release.wait(120)
            return Response("gone", status=503)  # the process that asked is dead by now
        body = {"1": fixture_bytes("wp_page1.json"), "2": fixture_bytes("wp_page2.json")}
        return Response(
            body.get(page, b"[]"),
            content_type="application/json",
            headers={"X-WP-TotalPages": "2"},
        )


def _serve_fixtures(server: HTTPServer, gate: WordPressGate) -> None:
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    server.expect_request("/rss.xml").respond_with_data(
        fixture_bytes("rss2.xml"), content_type="application/rss+xml; charset=utf-8"
    )
    server.expect_request("/atom.xml").respond_with_data(
        fixture_bytes("atom.xml"), content_type="application/atom+xml"
    )

    def mastodon(request: Request) -> Response:
        # Like a real instance: nothing newer than the cursor once it is set.
        body = b"[]" if "min_id" in request.args else fixture_bytes("mastodon_tag.json")
        return Response(body, content_type="application/json")

    server.expect_request("/masto/api/v1/timelines/tag/pemilu").respond_with_handler(mastodon)
    server.expect_request("/wp/wp-json/wp/v2/posts").respond_with_handler(gate)


def _sources_file(path: Path, server: HTTPServer) -> Path:
    base = server.url_for("").rstrip("/")
    path.write_text(
        f"""
[[sources]]
name = "e2e-rss"
kind = "rss"
url = "{base}/rss.xml"
interval = "1h"
language = "id"

[[sources]]
name = "e2e-atom"
kind = "rss"
url = "{base}/atom.xml"
interval = "1h"

[[sources]]
name = "e2e-masto"
kind = "mastodon"
url = "{base}/masto"
interval = "1h"
config = {{ tag = "pemilu" }}

[[sources]]
name = "e2e-wp"
kind = "wordpress"
url = "{base}/wp"
interval = "1h"
config = {{ per_page = 2 }}
""",
        encoding="utf-8",
    )
    return path


def _wait(what: str, check: Callable[[], bool], proc: subprocess.Popen[bytes] | None) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if check():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"waspada exited ({proc.returncode}) while waiting for {what}")
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def _count(engine: Engine, stmt: object) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(stmt) or 0)  # type: ignore[call-overload]


def _posts(engine: Engine) -> int:
    return _count(engine, select(func.count()).select_from(Post))


def _unscored_indonesian(engine: Engine) -> int:
    return _count(
        engine,
        select(func.count())
        .select_from(Post)
        .where(
            Post.language == "id",
            Post.duplicate_of_id.is_(None),
            Post.classified_at.is_(None),
        ),
    )


def test_up_collects_classifies_serves_and_survives_kill9(
    fresh_db_url: str, tmp_path: Path, server: HTTPServer
) -> None:
    gate = WordPressGate()
    _serve_fixtures(server, gate)
    port = free_port()
    env = waspada_env(
        tmp_path / "data",
        fresh_db_url,
        WASPADA_API_PORT=str(port),
        WASPADA_SOURCES_FILE=str(_sources_file(tmp_path / "sources.toml", server)),
        WASPADA_SCHEDULER_TICK="PT1S",
        # A killed worker's leases expire quickly so the restarted one (PostgreSQL) takes over.
        WASPADA_CLAIM_LEASE="PT4S",
        WASPADA_HTTP_HOST_INTERVAL="0",
        WASPADA_HTTP_TIMEOUT="60",
    )
    # One-shot commands run through the CLI in process (a Python start saved each); the
    # long-running `up` is the real subprocess this test is about.
    created = CliRunner().invoke(
        app, ["keys", "create", "--name", "e2e", "--role", "admin"], env=env
    )
    assert created.exit_code == 0, created.stderr
    key = created.stdout.split()[0]
    engine = make_engine(fresh_db_url)
    base = f"http://127.0.0.1:{port}"
    proc = start_waspada(["up"], env, tmp_path / "up1.log")
    try:
        wait_http(f"{base}/healthz", proc, timeout=120)
        assert gate.reached.wait(120), (tmp_path / "up1.log").read_text()
        _wait("the other sources to be stored", lambda: _posts(engine) >= BEFORE_WORDPRESS, proc)
    finally:
        proc.send_signal(signal.SIGKILL)  # mid-run: the WordPress fetch is still in flight
        proc.wait(timeout=20)
        gate.release.set()
    first_log = (tmp_path / "up1.log").read_text()
    assert proc.returncode == -signal.SIGKILL
    assert _posts(engine) == BEFORE_WORDPRESS, "the interrupted run must store nothing"
    with engine.connect() as conn:
        wp = conn.execute(select(Source).where(Source.name == "e2e-wp")).one()
    assert wp.cursor is None and wp.last_success_at is None  # the cursor did not move

    proc = start_waspada(["up"], env, tmp_path / "up2.log")
    try:
        wait_http(f"{base}/healthz", proc, timeout=120)
        _wait("all posts after restart", lambda: _posts(engine) >= EXPECTED_POSTS, proc)
        _wait("every Indonesian post scored", lambda: _unscored_indonesian(engine) == 0, proc)
        _check_database(engine)
        _check_api(base, key, engine)
        # A manual re-fetch of an already collected source adds nothing.
        rerun = CliRunner().invoke(app, ["sources", "run", "e2e-atom"], env=env)
        assert rerun.exit_code == 0, rerun.stderr
        assert "fetched 2, new 0" in rerun.stdout
        assert _posts(engine) == EXPECTED_POSTS
        assert httpx.get(f"{base}/docs", timeout=30).status_code == 200
        ready = httpx.get(f"{base}/readyz", timeout=30).json()
        assert ready["checks"]["database"]["ok"] is True
        if fresh_db_url.startswith("sqlite"):
            # One `up` per SQLite data directory: a second copy is refused, clearly.
            second = subprocess.run(
                [sys.executable, "-m", "monitor", "up"],
                env={**env, "WASPADA_API_PORT": str(free_port())},
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert second.returncode == 1 and "another waspada process" in second.stderr
    finally:
        stopping = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    assert time.monotonic() - stopping < 10  # SIGTERM stops promptly, jobs and server alike
    second_log = (tmp_path / "up2.log").read_text()
    assert code == 0, second_log
    assert "msg=stopped" in second_log
    assert "Traceback" not in first_log + second_log
    # The default model was trained once; the restart reused the promoted version.
    assert "training the default model" in first_log
    assert "training the default model" not in second_log
    engine.dispose()


def _check_database(engine: Engine) -> None:
    with engine.connect() as conn:
        rows = conn.execute(select(Post.platform, Post.external_id, Post.language)).all()
        assert len(rows) == EXPECTED_POSTS
        assert len({(r.platform, r.external_id) for r in rows}) == EXPECTED_POSTS
        assert {r.external_id for r in rows if r.platform == "news"} >= {
            "e2e-wp:501",
            "e2e-wp:502",
            "e2e-wp:503",
        }
        promoted = conn.scalar(select(ModelVersion.version).where(ModelVersion.is_promoted))
        assert promoted
        scored = conn.execute(
            select(Post.id, Post.model_version).where(Post.classified_at.is_not(None))
        ).all()
        assert len(scored) == EXPECTED_POSTS - 1  # all but the English toot
        assert {r.model_version for r in scored} == {promoted}
        english = conn.execute(select(Post).where(Post.language == "en")).one()
        assert english.classified_at is None
        per_post = conn.execute(
            select(Prediction.post_id, func.count(), func.count(func.distinct(Prediction.label)))
            .where(Prediction.model_version == promoted)
            .group_by(Prediction.post_id)
        ).all()
        assert len(per_post) == len(scored)
        assert all(n == 4 and distinct == 4 for _, n, distinct in per_post)  # once per label
        sources = conn.execute(
            select(Source.name, Source.last_success_at, Source.lease_owner)
        ).all()
        assert {s.name for s in sources} == {"e2e-rss", "e2e-atom", "e2e-masto", "e2e-wp"}
        assert all(s.last_success_at is not None and s.lease_owner is None for s in sources)


def _check_api(base: str, key: str, engine: Engine) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    assert httpx.get(f"{base}/api/v1/items", timeout=10).status_code == 401
    page = httpx.get(
        f"{base}/api/v1/items", headers=headers, params={"limit": 200, "group": "none"}, timeout=10
    )
    assert page.status_code == 200, page.text
    with engine.connect() as conn:
        flagged = set(conn.scalars(select(Post.id).where(Post.flagged.is_(True))))
    assert flagged, "the default model flags the money-politics reports"
    assert {i["id"] for i in page.json()["items"]} == flagged
    one = httpx.get(f"{base}/api/v1/items/{min(flagged)}", headers=headers, timeout=10).json()
    assert one["model_version"] and len(one["predictions"]) == 4
    health = httpx.get(f"{base}/api/v1/sources", headers=headers, timeout=10)
    assert health.status_code == 200
    by_name = {s["name"]: s for s in health.json()}
    assert by_name["e2e-wp"]["stats"]["total_new"] == 3
    assert sum(s["stats"]["total_new"] for s in by_name.values()) == EXPECTED_POSTS
    assert all(s["failure_count"] == 0 and s["last_error"] is None for s in by_name.values())
