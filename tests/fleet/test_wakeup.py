"""Idle scoring workers wake when posts arrive (PostgreSQL NOTIFY from a trigger on posts)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from classifiers.models.train import TrainConfig, train
from monitor.core.db import make_engine
from monitor.core.runtime import Runtime, runtime_for_engine
from monitor.core.settings import load_settings
from monitor.flows import arrival, scoring
from monitor.modelversions import service as models
from monitor.posts.models import Post
from monitor.posts.schemas import PostIn
from monitor.predictions.wakeup import ArrivalListener
from monitor.research.promote import promote


@pytest.fixture
def fresh_rt(fresh_db_url: str, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime on a new migrated database whose commits other connections see."""
    engine = make_engine(fresh_db_url)
    rt = runtime_for_engine(load_settings(data_dir=tmp_path, database_url=fresh_db_url), engine)
    yield rt
    rt.close()


def _arrive(rt: Runtime, n: int, tag: str) -> None:
    items = [
        PostIn(
            platform="whatsapp",
            external_id=f"{tag}-{i}",
            text=f"Pemilih di TPS {i} {tag} antre sejak pagi untuk mencoblos surat suara.",
        )
        for i in range(n)
    ]
    with rt.session() as s:
        arrival.arrive(s, items, default_language="id")


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_a_committed_arrival_wakes_the_listener(fresh_rt: Runtime) -> None:
    stop = threading.Event()
    listener = ArrivalListener(fresh_rt.engine, stop)
    try:
        assert listener.wait(5) is True  # connecting: look once, posts may already wait
        assert listener.wait(0.2) is False  # nothing arrived
        # A rolled-back insert sends nothing (notices are delivered at commit only).
        with pytest.raises(RuntimeError), fresh_rt.session() as s:
            arrival.arrive(s, [PostIn(platform="x", external_id="rolled-back", text="teks")])
            raise RuntimeError("the edge fails: the unit of work rolls back")
        assert listener.wait(0.3) is False
        _arrive(fresh_rt, 3, "commit")
        assert listener.wait(60) is True
        assert listener.wait(0.2) is False  # the notice was consumed
    finally:
        listener.close()


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_the_listener_survives_a_lost_connection(fresh_rt: Runtime) -> None:
    stop = threading.Event()
    listener = ArrivalListener(fresh_rt.engine, stop)
    try:
        assert listener.wait(5) is True
        with fresh_rt.engine.connect() as conn:
            killed = conn.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE query LIKE 'LISTEN %' AND pid <> pg_backend_pid()"
                )
            )
        assert killed == 1
        assert listener.wait(0.3) is False  # the error is logged, the wait falls back
        assert listener.wait(5) is True  # reconnected (and looks once)
        _arrive(fresh_rt, 1, "after-reconnect")
        assert listener.wait(60) is True
    finally:
        listener.close()


@pytest.mark.parametrize("fresh_db_url", ["sqlite"], indirect=True)
def test_on_sqlite_the_listener_only_waits(fresh_rt: Runtime) -> None:
    listener = ArrivalListener(fresh_rt.engine, threading.Event())
    assert not listener.enabled
    assert listener.wait(0.05) is False


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_an_idle_worker_scores_arrivals_without_waiting_for_its_poll(
    fresh_rt: Runtime, tmp_path: Path
) -> None:
    config = TrainConfig.small()
    config.stem = False  # seconds: the test is about waking, not quality
    trained = train(fresh_rt.settings.data_dir, config)
    with fresh_rt.session() as s:
        row = models.register(s, fresh_rt.settings.data_dir, trained, version="wake-1")
        promote(s, fresh_rt.settings.data_dir, row.version, None, actor="test:wake")
    stop = threading.Event()
    listener = ArrivalListener(fresh_rt.engine, stop)
    waiting = threading.Event()
    idle_waits: list[float] = []

    def wait(timeout: float) -> bool:
        idle_waits.append(timeout)
        if len(idle_waits) >= 2:  # the first wait connects; the second is a real idle wait
            waiting.set()
        return listener.wait(timeout)

    # An hour's fallback poll: only the arrival notice can get these posts scored in time.
    loop = threading.Thread(
        target=scoring.work, args=(fresh_rt, stop, 3600.0), kwargs={"wait": wait}, daemon=True
    )
    loop.start()
    try:
        assert waiting.wait(60), "the worker never went idle"
        _arrive(fresh_rt, 5, "woken")
        deadline = time.monotonic() + 120
        unscored = select(Post.id).where(Post.classified_at.is_(None))
        while time.monotonic() < deadline:
            with fresh_rt.session() as s:
                if s.execute(unscored).first() is None:
                    break
            time.sleep(0.1)
        with fresh_rt.session() as s:
            versions = set(s.scalars(select(Post.model_version)))
        assert versions == {"wake-1"}
    finally:
        stop.set()
        loop.join(30)
        listener.close()
    assert not loop.is_alive()  # a stop request ends the wait within its slice
