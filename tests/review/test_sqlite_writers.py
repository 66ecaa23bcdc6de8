"""On SQLite, reviewers deciding different items at the same moment all succeed.

SQLite cannot upgrade a read transaction to a write once another writer has committed
since it began; without taking the write lock first, the second reviewer would get a
spurious 409. The first test shows the failure it prevents, the second drives a real server.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from api.deps import begin_review_write
from monitor.core import migrate
from monitor.core.db import make_engine
from monitor.keys import service as keys
from monitor.regions.models import Region
from monitor.reviews import service as reviews
from monitor.reviews.schemas import DecisionIn
from tests.support.processes import free_port, start_waspada, wait_http, waspada_env
from tests.support.seeds.review import seed


def _db(tmp_path: Path) -> tuple[str, list[int], str]:
    url = f"sqlite:///{tmp_path / 'writers.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as s:
        seeded = seed(s, per_province=12)
        s.commit()
        # Record the key's first use now, so requests below only read during authentication.
        assert keys.verify_key(s, seeded.keys["reviewer"]) is not None
        s.commit()
    engine.dispose()
    return url, seeded.jambi + seeded.jakarta, seeded.keys["reviewer"]


def _someone_else_writes(engine: Engine, code: str) -> None:
    with Session(engine) as other:
        other.add(Region(code=code, name=f"Elsewhere {code}", level="province"))
        other.commit()


def test_taking_the_write_lock_first_avoids_the_stale_snapshot(tmp_path: Path) -> None:
    url, items, key = _db(tmp_path)
    base = make_engine(url)
    # Transactions begin IMMEDIATE by default, which rules this interleaving out; a request
    # that opted into DEFERRED (a reader) shows what the edge's write lock still prevents.
    engine = base.execution_options(sqlite_begin="DEFERRED")
    # Without the lock: authentication read, another commit, then the write fails at once.
    with Session(engine) as request:
        principal = keys.verify_key(request, key)
        assert principal is not None
        _someone_else_writes(engine, "97")
        with pytest.raises(OperationalError, match="locked"):
            reviews.decide(request, principal, items[0], DecisionIn(action="confirm"))
            request.flush()
        request.rollback()
    # With it: the same interleaving decides normally.
    with Session(engine) as request:
        principal = keys.verify_key(request, key)
        assert principal is not None
        _someone_else_writes(engine, "98")
        begin_review_write(request)  # what the request edge does before a review write
        out = reviews.decide(request, principal, items[0], DecisionIn(action="confirm"))
        request.commit()
        assert out.status == "confirmed"
    base.dispose()


def test_concurrent_decisions_on_a_real_server_all_succeed(tmp_path: Path) -> None:
    url, items, key = _db(tmp_path)
    port = free_port()
    env = waspada_env(tmp_path / "data", url, WASPADA_API_PORT=str(port))
    proc = start_waspada(["api"], env, tmp_path / "api.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", proc)
        headers = {"Authorization": f"Bearer {key}"}

        def decide(item: int) -> int:
            body = {"action": "escalate", "target": "bawaslu", "expected_status": "new"}
            res = httpx.post(
                f"{base}/api/v1/items/{item}/decision", json=body, headers=headers, timeout=60
            )
            return res.status_code

        with ThreadPoolExecutor(max_workers=12) as pool:
            codes = list(pool.map(decide, items))
        assert codes == [200] * len(items), codes
        # The same item twice at once: one wins, the other is told why.
        with ThreadPoolExecutor(max_workers=2) as pool:
            again = sorted(pool.map(decide, [items[0], items[0]]))
        assert again == [409, 409]  # both lost: the item was already escalated above
    finally:
        proc.terminate()
        proc.wait(timeout=20)
