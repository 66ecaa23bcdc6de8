"""Loading the region list from two writers at once: the second skips, neither fails."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.core.db import make_engine
from monitor.regions.models import Region
from monitor.regions.service import load_regions


def test_two_writers_loading_a_fresh_database_both_succeed(fresh_db_url: str) -> None:
    if fresh_db_url.startswith("sqlite"):
        pytest.skip("one scheduler per SQLite file (process lock): the race is PostgreSQL's")
    engine = make_engine(fresh_db_url)
    errors: list[BaseException] = []
    results: list[int] = []
    try:
        first = Session(engine)
        # The first writer's rows stay uncommitted while the second one starts loading.
        assert load_regions(first, with_districts=False).inserted == 552

        def second() -> None:
            try:
                with Session(engine) as s, s.begin():
                    results.append(load_regions(s, with_districts=False).inserted)
            except BaseException as exc:  # the assertion below reports it
                errors.append(exc)

        worker = threading.Thread(target=second)
        worker.start()
        worker.join(timeout=0.5)  # PostgreSQL: waits on the first writer's rows
        first.commit()
        first.close()
        worker.join(timeout=60)
        assert not worker.is_alive()
        assert errors == []
        with Session(engine) as s:
            assert s.scalar(select(func.count()).select_from(Region)) == 552
    finally:
        engine.dispose()
