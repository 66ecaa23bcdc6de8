"""The limiters' shared store: web logins shared by two apps on one PostgreSQL, idle buckets
pruned by the scheduled job, and the API's statement timeout."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from api.app import create_app
from api.auth.ratelimit import SharedFailureLimiter, failure_limiter_for, limiter_for
from api.deps import SessionDep
from monitor.core.db import make_engine
from monitor.core.runtime import Runtime, build_runtime
from monitor.core.settings import load_settings
from monitor.keys.models import RateBucket
from monitor.keys.tasks import MIN_IDLE_SECONDS, idle_horizon, prune_buckets_job
from monitor.scheduler.jobs import default_jobs
from tests.support.client import app_client


def _runtime(url: str, tmp_path: Path, name: str, **overrides: object) -> Runtime:
    settings = load_settings(data_dir=tmp_path / name, database_url=url, **overrides)
    return build_runtime(settings)


def _login(client: TestClient, key: str) -> int:
    page = client.get("/ui/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    return client.post("/ui/login", data={"key": key, "csrf_token": token.group(1)}).status_code


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_two_apps_share_the_web_login_budget(fresh_db_url: str, tmp_path: Path) -> None:
    # Two runtimes, two engines, two apps: what two worker processes have in common is
    # only the database. A high failure budget isolates the login limiter (10 tries).
    rts = [_runtime(fresh_db_url, tmp_path, f"d{i}", auth_failure_burst=1000) for i in (0, 1)]
    try:
        clients = [app_client(rt, follow_redirects=False) for rt in rts]
        codes = [_login(clients[i % 2], f"wsp_{i:012d}_{'Q' * 43}") for i in range(12)]
    finally:
        for rt in rts:
            rt.close()
    assert codes == [401] * 10 + [429, 429]


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_shared_failure_buckets_count_every_tag_once(fresh_db_url: str, tmp_path: Path) -> None:
    rts = [_runtime(fresh_db_url, tmp_path, f"d{i}") for i in (0, 1)]
    try:
        one, two = (failure_limiter_for(rt, rate=0.001, burst=2) for rt in rts)
        assert isinstance(one, SharedFailureLimiter)
        tags = ["addr:192.0.2.7", "prefix:abc", "prefix:abc"]  # a repeated tag counts once
        assert one.wait(tags) == 0.0
        one.fail(tags)
        assert two.wait(tags) == 0.0  # one try left of two
        two.fail(tags)
        assert one.wait(tags) > 0 and two.wait(["addr:192.0.2.7"]) > 0
        assert two.wait(["addr:192.0.2.8"]) == 0.0  # another address is untouched
        # Hostile tags are bound parameters, never SQL.
        odd = ["addr:'); DROP TABLE api_rate_buckets; --", "prefix:\\x00\u202e"]
        one.fail(odd)
        assert two.wait(odd) == 0.0  # one of two spent
        with rts[0].session() as s:
            assert (
                s.scalar(select(RateBucket.tokens).where(RateBucket.actor == f"fail:{odd[0]}")) == 1
            )
    finally:
        for rt in rts:
            rt.close()


def test_sqlite_keeps_limiters_in_process(tmp_path: Path) -> None:
    rt = _runtime(f"sqlite:///{tmp_path / 'one.db'}", tmp_path, "d")
    try:
        assert not isinstance(failure_limiter_for(rt, 1.0, 2), SharedFailureLimiter)
        assert type(limiter_for(rt, 1.0, 2)).__name__ == "RateLimiter"
    finally:
        rt.close()


def test_idle_buckets_are_pruned_by_a_scheduled_job(rt: Runtime) -> None:
    now = time.time()
    horizon = idle_horizon(rt.settings)
    assert horizon >= MIN_IDLE_SECONDS
    with rt.session() as s:
        s.add_all(
            [
                RateBucket(actor="key:1:old", tokens=3, stamp=now - horizon - 60, allowed=True),
                RateBucket(
                    actor="fail:addr:203.0.113.9", tokens=0, stamp=now - 2 * horizon, allowed=False
                ),
                RateBucket(actor="key:2:recent", tokens=5, stamp=now - 5, allowed=True),
            ]
        )
    assert prune_buckets_job(rt) == 2
    with rt.session() as s:
        assert list(s.scalars(select(RateBucket.actor))) == ["key:2:recent"]
    assert prune_buckets_job(rt) == 0  # nothing left to prune: a no-op
    spec = next(j for j in default_jobs(rt) if j.name == "rate-buckets-prune")
    assert spec.once and spec.body is prune_buckets_job


def test_a_slow_refill_widens_the_prune_horizon() -> None:
    slow = load_settings(auth_failure_rate=0.0001, auth_failure_burst=20)
    assert idle_horizon(slow) == pytest.approx(200_000)


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_api_statements_are_cut_off_after_the_timeout(fresh_db_url: str, tmp_path: Path) -> None:
    limit = timedelta(milliseconds=300)
    api = _runtime_api(fresh_db_url, tmp_path, limit)
    other = _runtime(fresh_db_url, tmp_path, "cli", api_statement_timeout=limit)
    try:
        with api.engine.connect() as conn:
            assert conn.scalar(text("SHOW statement_timeout")) == "300ms"
            with pytest.raises(OperationalError, match="statement timeout"):
                conn.execute(text("SELECT pg_sleep(2)"))
        with other.engine.connect() as conn:  # the CLI's and scheduler's engine: no limit
            assert conn.scalar(text("SHOW statement_timeout")) == "0"
        # Options already in the URL are kept beside the timeout.
        both = make_engine(f"{fresh_db_url}?options=-c%20work_mem%3D8MB", statement_timeout=limit)
        with both.connect() as conn:
            assert conn.scalar(text("SHOW work_mem")) == "8MB"
            assert conn.scalar(text("SHOW statement_timeout")) == "300ms"
        both.dispose()
        # Through a request: a clear 503 with Retry-After, not a bare 500.
        app = create_app(api)

        @app.get("/slow-for-test")
        def slow(session: SessionDep) -> dict[str, str]:
            session.execute(text("SELECT pg_sleep(2)"))
            return {"never": "here"}

        res = TestClient(app, raise_server_exceptions=False).get(
            "/slow-for-test", headers={"Accept-Language": "en"}
        )
        assert res.status_code == 503 and res.headers["Retry-After"] == "5", res.text
        assert "took too long" in res.json()["detail"]
    finally:
        api.close()
        other.close()


def _runtime_api(url: str, tmp_path: Path, limit: timedelta) -> Runtime:
    settings = load_settings(
        data_dir=tmp_path / "api", database_url=url, api_statement_timeout=limit
    )
    return build_runtime(settings, api=True)


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_limiter_pool_does_not_wait_for_the_wal_flush(fresh_db_url: str, tmp_path: Path) -> None:
    url = f"{fresh_db_url}?options=-c%20work_mem%3D8MB"
    rt = _runtime(url, tmp_path, "sync")
    try:
        with rt.autocommit().connect() as conn:
            assert conn.scalar(text("SHOW synchronous_commit")) == "off"
            assert conn.scalar(text("SHOW work_mem")) == "8MB"  # the URL's options are kept
        # Reviews and every other write keep the server's setting (the suite's server turns
        # it off for speed, so compare where the value comes from, not the value).
        source = text("SELECT source FROM pg_settings WHERE name = 'synchronous_commit'")
        with rt.autocommit().connect() as conn:
            assert conn.scalar(source) == "client"
        with rt.engine.connect() as conn:
            assert conn.scalar(source) != "client"
    finally:
        rt.close()


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_api_pages_are_planned_without_jit_or_parallel_workers(
    fresh_db_url: str, tmp_path: Path
) -> None:
    api = _runtime_api(fresh_db_url, tmp_path, timedelta(0))  # no timeout: options still set
    other = _runtime(fresh_db_url, tmp_path, "cli")
    show = "SELECT current_setting('jit'), current_setting('max_parallel_workers_per_gather')"
    try:
        with api.engine.connect() as conn:
            assert tuple(conn.execute(text(show)).one()) == ("off", "0")
        with other.engine.connect() as conn:  # jobs and the CLI keep the server's planning
            assert tuple(conn.execute(text(show)).one()) != ("off", "0")
    finally:
        api.close()
        other.close()
