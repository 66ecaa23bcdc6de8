"""Deadlocks between processes cost a retry, not a run: collectors and scoring workers.

PostgreSQL breaks a deadlock by rolling one transaction back with SQLSTATE 40P01. A trigger
raises that real error (or a non-transient one) the first N times a table is written, so
the retry paths run against the real database.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from classifiers.models.train import TrainConfig, train
from monitor.clusters import repository as clusters_repository
from monitor.core.db import make_engine, transient_conflict
from monitor.core.runtime import Runtime, runtime_for_engine
from monitor.flows import arrival, scoring
from monitor.flows import repository as flows_repository
from monitor.flows.collect import collect_due, make_client
from monitor.modelversions import service as models
from monitor.posts.models import Post
from monitor.posts.schemas import PostIn
from monitor.predictions.models import Prediction
from monitor.research.promote import promote
from monitor.sources import service
from monitor.sources.models import Source
from monitor.sources.schemas import SourceSpec
from tests.collectors.conftest import LOCAL, fixture_bytes, test_settings

DEADLOCK, DISK_FULL = "40P01", "53100"


@pytest.fixture
def pg_rt(fresh_db_url: str, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime on a fresh PostgreSQL database whose commits other connections see."""
    engine = make_engine(fresh_db_url)
    rt = runtime_for_engine(test_settings(tmp_path, fresh_db_url), engine)
    yield rt
    rt.close()


def _fail_writes(engine: Engine, table: str, times: int, code: str) -> None:
    """Make the first `times` INSERT statements on `table` fail with SQLSTATE `code`."""
    with engine.begin() as conn:
        conn.execute(text("CREATE SEQUENCE fault_n"))
        conn.execute(
            text(
                "CREATE FUNCTION fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF nextval('fault_n') <= {times} THEN "
                f"RAISE EXCEPTION 'injected' USING ERRCODE = '{code}'; END IF; "
                "RETURN NULL; END $$"
            )
        )
        conn.execute(
            text(
                f"CREATE TRIGGER fault AFTER INSERT ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION fault()"
            )
        )


def _writes_tried(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT last_value FROM fault_n")) or 0)


def _add_feed(rt: Runtime, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        fixture_bytes("rss2.xml"), content_type="application/rss+xml"
    )
    with rt.session() as s:
        service.add(
            s,
            SourceSpec(name="berita", kind="rss", url=httpserver.url_for("/feed")),
            "t",
            policy=LOCAL,
        )


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_a_deadlocked_run_is_stored_again_at_once(
    pg_rt: Runtime, httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    _add_feed(pg_rt, httpserver)
    _fail_writes(pg_rt.engine, "posts", times=2, code=DEADLOCK)
    with caplog.at_level(logging.WARNING):
        [report] = collect_due(pg_rt, make_client(pg_rt.settings), worker="w1")
    assert report.error is None and report.new == 3
    assert _writes_tried(pg_rt.engine) >= 3  # two rolled back, then the third run stored
    assert caplog.text.count("storing it again") == 2
    with pg_rt.session() as s:
        assert s.scalar(select(func.count()).select_from(Post)) == 3
        row = s.scalar(select(Source))
        assert row is not None and row.failure_count == 0 and row.lease_owner is None
    assert len(httpserver.log) == 1  # stored from the one fetch, not fetched again


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_a_run_failing_for_another_reason_is_not_retried(
    pg_rt: Runtime, httpserver: HTTPServer
) -> None:
    _add_feed(pg_rt, httpserver)
    _fail_writes(pg_rt.engine, "posts", times=1, code=DISK_FULL)
    [report] = collect_due(pg_rt, make_client(pg_rt.settings), worker="w1")
    assert report.error and report.error.startswith("database error while storing")
    assert _writes_tried(pg_rt.engine) == 1
    with pg_rt.session() as s:
        assert s.scalar(select(func.count()).select_from(Post)) == 0
        row = s.scalar(select(Source))
        assert row is not None and row.failure_count == 1


def _posts_and_model(rt: Runtime, n: int) -> None:
    config = TrainConfig.small()
    config.stem = False  # seconds: these tests are about conflicts, not quality
    trained = train(rt.settings.data_dir, config)
    with rt.session() as s:
        row = models.register(s, rt.settings.data_dir, trained, version="conflict-1")
        promote(s, rt.settings.data_dir, row.version, None, actor="test:conflicts")
        items = [
            PostIn(platform="whatsapp", external_id=f"c-{i}", text=f"Warga desa {i} antre di TPS.")
            for i in range(n)
        ]
        arrival.arrive(s, items, default_language="id")


def _scored(rt: Runtime) -> tuple[int, int, int]:
    with rt.session() as s:
        scored = s.scalar(select(func.count()).where(Post.classified_at.is_not(None)))
        leased = s.scalar(select(func.count()).where(Post.score_lease_owner.is_not(None)))
        predictions = s.scalar(select(func.count()).select_from(Prediction))
    return int(scored or 0), int(leased or 0), int(predictions or 0)


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_a_deadlocked_scored_batch_is_stored_again(pg_rt: Runtime) -> None:
    _posts_and_model(pg_rt, 6)
    _fail_writes(pg_rt.engine, "predictions", times=2, code=DEADLOCK)
    assert scoring.score_pending(pg_rt, worker="w1") == 6
    assert _writes_tried(pg_rt.engine) >= 3
    assert _scored(pg_rt) == (6, 0, 6 * 4)  # once each: four labels, no lease left


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_a_worker_outlives_a_failed_batch_and_releases_it(
    pg_rt: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    _posts_and_model(pg_rt, 6)
    _fail_writes(pg_rt.engine, "predictions", times=1, code=DISK_FULL)
    with pytest.raises(SQLAlchemyError) as failed:
        scoring.score_pending(pg_rt, worker="w1")
    assert not transient_conflict(failed.value)
    assert _scored(pg_rt) == (0, 0, 0)  # released at once, not held for `score_lease`
    _fail_writes_again(pg_rt.engine, times=1)
    stop = threading.Event()
    done: list[int] = []
    loop = threading.Thread(
        target=lambda: done.append(scoring.work(pg_rt, stop, 0.05, worker="w2")), daemon=True
    )
    with caplog.at_level(logging.ERROR):
        loop.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _scored(pg_rt)[0] < 6:
            time.sleep(0.1)
        stop.set()
        loop.join(30)
    assert done == [6]  # the loop ended on the stop request, not on the error
    assert "scoring round failed" in caplog.text
    assert _scored(pg_rt) == (6, 0, 6 * 4)


def _fail_writes_again(engine: Engine, times: int) -> None:
    with engine.begin() as conn:
        conn.execute(text(f"ALTER SEQUENCE fault_n RESTART WITH 1 MAXVALUE {times + 1000}"))
        # Reuse the trigger with a fresh budget of failures.
        conn.execute(
            text(
                "CREATE OR REPLACE FUNCTION fault() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN IF nextval('fault_n') <= {times} THEN "
                f"RAISE EXCEPTION 'injected' USING ERRCODE = '{DISK_FULL}'; END IF; "
                "RETURN NULL; END $$"
            )
        )


def test_priorities_are_written_in_id_order(rt: Runtime) -> None:
    with rt.session() as s:
        items = [
            PostIn(platform="whatsapp", external_id=f"p-{i}", text=f"Kabar TPS nomor {i} hari ini.")
            for i in range(4)
        ]
        ids = [p.id for p in arrival.arrive(s, items, default_language="id").new_posts]
        written: list[list[int]] = []

        def capture(
            conn: object, cursor: object, statement: str, params: object, *_: object
        ) -> None:
            # ... SET priority=? WHERE posts.id = ?: the id is each row's last parameter.
            if statement.startswith("UPDATE posts SET priority") and isinstance(params, list):
                written.append(
                    [int(list(r.values())[-1] if isinstance(r, dict) else r[-1]) for r in params]
                )

        engine = s.get_bind().engine
        event.listen(engine, "before_cursor_execute", capture)
        try:
            flows_repository.write_priorities(s, [(i, 0.5) for i in reversed(ids)])
        finally:
            event.remove(engine, "before_cursor_execute", capture)
    assert written == [sorted(ids)]


def test_cluster_ids_are_written_in_post_id_order(rt: Runtime) -> None:
    text = "Serangan fajar di TPS 12 Kelurahan Sukamaju, amplop 100rb per kepala, sebarkan!"
    with rt.session() as s:
        items = [PostIn(platform="whatsapp", external_id=f"c-{i}", text=text) for i in range(4)]
        posts = arrival.arrive(s, items, default_language="id").new_posts
        cluster_id = posts[0].cluster_id
        assert cluster_id is not None  # the copies formed a cluster
        ids = [p.id for p in posts]
        written: list[list[int]] = []

        def capture(
            conn: object, cursor: object, statement: str, params: object, *_: object
        ) -> None:
            # SQLite: ... SET cluster_id=? WHERE posts.id = ?, the post id last in each row.
            if statement.startswith("UPDATE posts SET cluster_id") and isinstance(params, list):
                written.append(
                    [int(list(r.values())[-1] if isinstance(r, dict) else r[-1]) for r in params]
                )
            # PostgreSQL: one joined UPDATE, its rows locked first by a SELECT in id order.
            if "FOR NO KEY UPDATE" in statement and isinstance(params, tuple):
                assert "ORDER BY id" in statement
                written.append([int(v) for v in str(params[0]).strip("{}").split(",")])
            if statement.startswith("UPDATE posts SET cluster_id = v.c"):
                assert written, "the rows are locked in id order before the joined UPDATE"

        engine = s.get_bind().engine
        event.listen(engine, "before_cursor_execute", capture)
        try:
            clusters_repository.set_post_clusters(s, [(i, cluster_id) for i in reversed(ids)])
        finally:
            event.remove(engine, "before_cursor_execute", capture)
    assert written == [sorted(ids)]
