"""References for `waspada bench api`, measured in the same run as the API figures.

A shared host's speed changes minute to minute, so each API figure is printed beside what
the database alone does at that moment: a bare `SELECT 1` round trip, and the queue page's
own SQL run through the raw driver (no ORM, no HTTP, no JSON).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import Session

from monitor.desk import queue
from monitor.keys.principal import Principal
from monitor.keys.service import verify_key


@dataclass(frozen=True)
class Rate:
    """How many times a second one client could do something, and its median time."""

    name: str
    per_second: float
    median_ms: float

    def line(self) -> str:
        """One printed line."""
        return f"  {self.name:<44}{self.per_second:10,.0f}/s  p50 {self.median_ms:7.2f} ms"


def _loop(name: str, call: Callable[[], object], seconds: float) -> Rate:
    took: list[float] = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t0 = time.perf_counter()
        call()
        took.append(time.perf_counter() - t0)
    took.sort()
    return Rate(name, len(took) / sum(took), took[len(took) // 2] * 1000)


def _page_sql(session: Session, principal: Principal) -> tuple[str, Any]:
    """Return the exact SQL and parameters the queue runs for its first page."""
    captured: dict[str, Any] = {}

    class _Stop(Exception):
        pass

    conn = session.connection()

    def grab(_c: Any, _cur: Any, sql: str, params: Any, _ctx: Any, _many: bool) -> None:
        captured.update(sql=sql, params=params)
        raise _Stop

    event.listen(conn, "before_cursor_execute", grab)
    try:
        queue.page(session, principal, queue.ItemFilters(statuses=("new",)), limit=50)
    except _Stop:
        pass
    finally:
        event.remove(conn, "before_cursor_execute", grab)
    return captured["sql"], captured["params"]


def measure(engine: Engine, reviewer_key: str, seconds: float = 2.0) -> list[Rate]:
    """Return the reference rates on one connection, one client, back to back."""
    with engine.connect() as conn:
        select_one = _loop(
            "bare SELECT 1 round trip", lambda: conn.execute(text("SELECT 1")), seconds
        )
    with Session(engine) as session:
        principal = verify_key(session, reviewer_key)
        assert principal is not None
        sql, params = _page_sql(session, principal)
        raw = session.connection()

        def page() -> object:
            return raw.exec_driver_sql(sql, params).all()

        bare_page = _loop("queue page SQL, raw driver (51 rows)", page, seconds)

        def orm_page() -> object:
            rows, _ = queue.page(session, principal, queue.ItemFilters(statuses=("new",)))
            session.expunge_all()
            return rows

        orm = _loop("queue page through the ORM (no HTTP)", orm_page, seconds)
        session.rollback()
    return [select_one, bare_page, orm]
