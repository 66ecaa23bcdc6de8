"""Capped worker threads and a small pool never wait on each other (PostgreSQL): requests
that check a key by scrypt and look a region up by name give their connection back before
their next thread hop, and a write ends its transaction in the endpoint's own hop (api.edge),
so a burst larger than the pool is served, not stalled."""

from __future__ import annotations

import inspect
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.app import create_app
from api.edge import EdgeRoute
from api.routes import ROOT_ROUTERS, V1_ROUTERS
from monitor.core.db import make_engine
from monitor.core.runtime import runtime_for_engine
from monitor.core.settings import load_settings
from monitor.keys import service as keys
from tests.support.seeds.review import seed

PG = pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)


@PG
def test_a_burst_over_the_pool_size_is_served(fresh_db_url: str, tmp_path: Path) -> None:
    settings = load_settings(
        data_dir=tmp_path / "d", database_url=fresh_db_url, api_threads=2, api_rate_burst=100
    )
    # Two threads, two connections, no overflow: before, 2 requests holding a connection
    # while 2 others held both threads waiting for one stalled until the pool timed out.
    engine = make_engine(fresh_db_url, pool_size=2, max_overflow=0, pool_timeout=3)
    rt = runtime_for_engine(settings, engine)
    try:
        with rt.session() as s:
            plains = [keys.create_key(s, f"k{i}", "liaison", ["15"])[1] for i in range(6)]
        keys._cache.clear()  # every key's first request takes the scrypt path
        with TestClient(create_app(rt), raise_server_exceptions=False) as client:

            def page(plain: str) -> int:
                auth = {"Authorization": f"Bearer {plain}"}
                # A region name: looked up in its own thread hop before the endpoint's.
                url = "/api/v1/items?group=none&region=Jambi&region=Nowhere"
                return client.get(url, headers=auth).status_code

            with ThreadPoolExecutor(12) as pool:
                codes = list(pool.map(page, plains * 2))
        # Before: 500s (QueuePool limit reached after the pool timeout).
        assert codes == [200] * 12
    finally:
        rt.close()


@PG
def test_a_burst_of_decisions_over_the_pool_size_is_served(
    fresh_db_url: str, tmp_path: Path
) -> None:
    settings = load_settings(
        data_dir=tmp_path / "d", database_url=fresh_db_url, api_threads=2, api_rate_burst=100
    )
    engine = make_engine(fresh_db_url, pool_size=2, max_overflow=0, pool_timeout=3)
    rt = runtime_for_engine(settings, engine)
    try:
        with rt.session() as s:
            seeded = seed(s, per_province=6)
        auth = {"Authorization": f"Bearer {seeded.keys['reviewer']}"}
        body = {"action": "escalate", "target": "bawaslu", "expected_status": "new"}
        with TestClient(create_app(rt), raise_server_exceptions=False) as client:

            def decide(item: int) -> int:
                url = f"/api/v1/items/{item}/decision"
                return client.post(url, json=body, headers=auth).status_code

            with ThreadPoolExecutor(12) as pool:
                codes = list(pool.map(decide, seeded.jambi + seeded.jakarta))
        # Before (api.edge): a decision kept its connection while its response waited for a
        # thread to be validated in, and the threads waited for a connection: 500s.
        assert codes == [200] * 12
    finally:
        rt.close()


def test_every_route_ends_its_transaction_in_its_endpoint_hop() -> None:
    routes = [r for router in ROOT_ROUTERS + V1_ROUTERS for r in router.routes]
    assert routes and all(isinstance(r, APIRoute) for r in routes)
    # A router created without route_class=EdgeRoute would bring the stall back.
    assert [r.path for r in routes if not isinstance(r, EdgeRoute)] == []
    # Plain `def` endpoints reach FastAPI as coroutines: one hop, validated on the loop.
    sync = [r for r in routes if not inspect.iscoroutinefunction(inspect.unwrap(r.endpoint))]
    plain = [r for r in sync if not inspect.isgeneratorfunction(inspect.unwrap(r.endpoint))]
    assert plain and all(inspect.iscoroutinefunction(r.endpoint) for r in plain)
