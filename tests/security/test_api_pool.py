"""The API's PostgreSQL pools: pinged only after idling; a key-check connection per thread."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from monitor.core.db import make_engine
from monitor.core.runtime import build_runtime
from monitor.core.settings import load_settings

pytestmark = pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)


def _pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT pg_backend_pid()")))


def _terminate(url: str, pid: int) -> None:
    admin = create_engine(url, poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    time.sleep(0.05)  # the backend is gone once its socket closes


def _count_pings(engine: Engine) -> list[int]:
    pings = [0]
    real = engine.dialect.do_ping

    def counted(dbapi_conn: Any) -> bool:
        pings[0] += 1
        return real(dbapi_conn)

    engine.dialect.do_ping = counted  # type: ignore[method-assign,assignment]
    return pings


def test_a_connection_back_within_the_idle_window_is_not_pinged(fresh_db_url: str) -> None:
    engine = make_engine(fresh_db_url, ping_idle_s=0.3, pool_size=1, max_overflow=0)
    pings = _count_pings(engine)
    try:
        first = _pid(engine)
        for _ in range(5):
            assert _pid(engine) == first
        assert pings[0] == 0
        time.sleep(0.4)
        assert _pid(engine) == first
        assert pings[0] == 1
    finally:
        engine.dispose()


def test_a_connection_that_died_while_idle_is_replaced_by_the_ping(fresh_db_url: str) -> None:
    engine = make_engine(fresh_db_url, ping_idle_s=0.0, pool_size=1, max_overflow=0)
    try:
        old = _pid(engine)
        _terminate(fresh_db_url, old)
        # The checkout's ping finds it dead: the request gets a fresh connection, no error.
        assert _pid(engine) != old
    finally:
        engine.dispose()


def test_a_connection_that_died_within_the_window_fails_once_then_the_pool_recovers(
    fresh_db_url: str,
) -> None:
    engine = make_engine(fresh_db_url, ping_idle_s=60.0, pool_size=1, max_overflow=0)
    try:
        old = _pid(engine)
        _terminate(fresh_db_url, old)
        with pytest.raises(DBAPIError) as caught, engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        assert caught.value.connection_invalidated
        assert _pid(engine) != old
    finally:
        engine.dispose()


def test_other_engines_keep_pinging_at_every_checkout(fresh_db_url: str) -> None:
    engine = make_engine(fresh_db_url, pool_size=1, max_overflow=0)
    try:
        old = _pid(engine)
        _terminate(fresh_db_url, old)
        assert _pid(engine) != old  # SQLAlchemy's pre-ping, not the idle window
    finally:
        engine.dispose()


def test_the_key_check_pool_holds_a_connection_per_worker_thread(
    fresh_db_url: str, tmp_path: Path
) -> None:
    threads = 8
    settings = load_settings(
        data_dir=tmp_path / "data", database_url=fresh_db_url, api_threads=threads
    )
    rt = build_runtime(settings, api=True)
    pool = rt.autocommit()
    connects = [0]
    event.listen(pool, "connect", lambda *_: connects.__setitem__(0, connects[0] + 1))
    barrier = threading.Barrier(threads)

    def hold() -> None:
        with pool.connect() as conn:
            conn.execute(text("SELECT 1"))
            barrier.wait(timeout=10)  # every thread holds a connection at once

    try:
        for burst in range(2):
            workers = [threading.Thread(target=hold) for _ in range(threads)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            # The first burst fills the pool; the second opens no new backend.
            assert connects[0] == threads, f"burst {burst}"
    finally:
        rt.close()
