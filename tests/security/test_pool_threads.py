"""Capped worker threads and a small pool never wait on each other (PostgreSQL): requests
that check a key by scrypt and look a region up by name give their connection back before
their next thread hop, so a burst larger than the pool is served, not stalled."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from monitor.core.db import make_engine
from monitor.core.runtime import runtime_for_engine
from monitor.core.settings import load_settings
from monitor.keys import service as keys

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
