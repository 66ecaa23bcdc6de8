"""The text index's pending list merged from a thread after arrival commits (PostgreSQL)."""

from __future__ import annotations

import gc
import logging
import time
import uuid
import weakref
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from monitor.cli.commands.posts import store_batches
from monitor.core.db import make_engine
from monitor.core.outbound import OutboundPolicy
from monitor.core.runtime import Runtime, runtime_for_engine
from monitor.core.settings import load_settings
from monitor.flows import arrival
from monitor.flows.collect import collect_due
from monitor.posts import textindex
from monitor.posts.schemas import IngestReport, PostIn
from monitor.posts.textindex import PendingMerger, pending_merger
from monitor.sources import service as sources
from monitor.sources.http import HttpClient
from monitor.sources.schemas import SourceSpec
from tests.collectors.conftest import fixture_bytes

LOCAL = OutboundPolicy.allowing("127.0.0.1")  # the test server's address, allow-listed

WORDS = ["surat", "suara", "dicoblos", "logistik", "kecamatan", "sembako", "bawaslu", "antrean"]


def _text(n: int) -> str:
    # Distinct words per post, so each insert adds pending entries of its own.
    return " ".join(f"{WORDS[(n + i) % len(WORDS)]}{n}x{i}" for i in range(12))


@pytest.fixture
def pg_rt(fresh_db_url: str, tmp_path: Any) -> Iterator[Runtime]:
    if not fresh_db_url.startswith("postgresql"):
        pytest.skip("the text index's pending list is PostgreSQL's")
    engine = make_engine(fresh_db_url)
    settings = load_settings(data_dir=tmp_path / "data", database_url=fresh_db_url)
    rt = runtime_for_engine(settings, engine)
    yield rt
    merger = pending_merger(engine)
    if merger is not None:
        merger.settle()
    engine.dispose()


def _pending(engine: Engine) -> int:
    """Index entries waiting in the pending list (the GIN metapage, via pageinspect)."""
    with engine.connect() as conn:
        try:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
            conn.commit()
        except SQLAlchemyError:
            pytest.skip("pageinspect not available to this role")
        return int(
            conn.scalar(
                text(
                    "SELECT n_pending_tuples FROM "
                    "gin_metapage_info(get_raw_page('ix_posts_text_fts', 0))"
                )
            )
            or 0
        )


def _found(engine: Engine, word: str) -> list[str]:
    """External ids the text index (not a sequential scan) finds for a word."""
    with engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        rows = conn.execute(
            text(
                "SELECT external_id FROM posts WHERE to_tsvector('simple', text) @@ "
                "to_tsquery('simple', :w) ORDER BY external_id"
            ),
            {"w": word},
        )
        return [r[0] for r in rows]


def _arrive(rt: Runtime, start: int, count: int) -> None:
    items = [
        PostIn(platform="file", external_id=f"t{n}", text=_text(n))
        for n in range(start, start + count)
    ]
    with rt.session() as s:
        arrival.arrive(s, items)


def test_a_wake_after_a_commit_empties_the_pending_list(pg_rt: Runtime) -> None:
    _arrive(pg_rt, 0, 40)
    assert _pending(pg_rt.engine) > 0  # the inserts left their entries in the list
    merger = pending_merger(pg_rt.engine)
    assert merger is not None and merger is pending_merger(pg_rt.engine)  # one per engine
    merger.wake()
    assert merger.settle()
    # Asked for by a run's commit (a later run, or its copies' relinking, may add entries
    # after it: only the thread's merge is checked here, not an empty list).
    assert merger.merges >= 1 and merger.failed is None
    # The merged entries still find their rows.
    assert _found(pg_rt.engine, _text(7).split()[1]) == ["t7"]


def test_commits_below_the_threshold_gather_until_it_is_reached(
    pg_rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(textindex, "MERGE_AFTER_CHARS", 1000)
    merger = PendingMerger(pg_rt.engine)
    _arrive(pg_rt, 0, 10)
    merger.wake(600)
    assert merger.settle() and merger.merges == 0  # 600 characters: not yet
    assert _pending(pg_rt.engine) > 0
    merger.wake(600)  # 1,200 gathered: merged, and the count starts again
    assert merger.settle() and merger.merges == 1
    assert _pending(pg_rt.engine) == 0
    # The next threshold comes from the pages that merge removed per character gathered:
    # a share of the 4 MB limit is far more than ten short posts' 1,200 characters.
    assert merger.after_chars > 100_000
    merger.wake(600)
    assert merger.settle() and merger.merges == 1


def test_ingest_leaves_the_pending_list_merged_and_the_index_whole(
    pg_rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each 30-post page carries about 3,000 characters: every page commit asks for a merge.
    monkeypatch.setattr(textindex, "MERGE_AFTER_CHARS", 2000)
    monkeypatch.setattr(textindex, "TARGET_SHARE", 1e-6)  # and so do the pages after a merge
    pages = [
        [
            (n + 1, {"platform": "file", "external_id": f"t{n}", "text": _text(n)})
            for n in range(p, p + 30)
        ]
        for p in range(0, 90, 30)
    ]
    total = IngestReport()
    store_batches(pg_rt, iter(pages), total, None, None)
    assert total.new == 90 and not total.rejected
    merger = pending_merger(pg_rt.engine)
    assert merger is not None and merger.merges >= 1
    assert _pending(pg_rt.engine) == 0  # store_batches waited for the last page's merge
    assert _found(pg_rt.engine, _text(85).split()[0]) == ["t85"]
    assert _found(pg_rt.engine, _text(1).split()[0]) == ["t1"]


def test_a_merge_that_fails_stops_merging_and_loses_nothing(
    pg_rt: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    merger = PendingMerger(pg_rt.engine, index="no_such_index")
    with caplog.at_level(logging.WARNING, logger="monitor.posts.textindex"):
        merger.wake()
        assert merger.settle()
    assert merger.failed is not None and "no_such_index" in merger.failed
    assert merger.merges == 0
    assert any("text index merge stopped" in r.getMessage() for r in caplog.records)
    merger.wake()  # asked again: nothing runs, nothing waits
    assert merger.settle(timeout=5.0)
    assert merger.merges == 0
    _arrive(pg_rt, 0, 5)  # the inserts merge by themselves, as without the thread
    assert _found(pg_rt.engine, _text(0).split()[0]) == ["t0"]


def test_the_idle_thread_ends_and_the_next_commit_starts_it_again(
    pg_rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(textindex, "IDLE_EXIT_S", 0.05)
    merger = PendingMerger(pg_rt.engine)
    merger.wake()
    assert merger.settle()
    deadline = time.monotonic() + 30
    while merger._thread is not None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert merger._thread is None  # ended, its connection given back
    _arrive(pg_rt, 100, 10)
    assert _pending(pg_rt.engine) > 0
    merger.wake()
    assert merger.settle()
    assert merger.merges == 2 and _pending(pg_rt.engine) == 0


def test_sqlite_has_no_merger(fresh_db_url: str) -> None:
    if not fresh_db_url.startswith("sqlite"):
        pytest.skip("the SQLite case")
    engine = make_engine(fresh_db_url)
    try:
        assert pending_merger(engine) is None
    finally:
        engine.dispose()


def test_a_collected_run_asks_for_the_merge(
    pg_rt: Runtime, monkeypatch: pytest.MonkeyPatch, httpserver: HTTPServer
) -> None:
    monkeypatch.setattr(textindex, "MERGE_AFTER_CHARS", 1)  # any stored text asks for one
    body = fixture_bytes("rss2.xml")
    with pg_rt.session() as s:
        for n in range(2):
            httpserver.expect_request(f"/feed{n}.xml").respond_with_data(
                body.replace(b"berita-1001", f"f{n}-1001".encode()),
                content_type="application/rss+xml",
            )
            url = httpserver.url_for(f"/feed{n}.xml")
            sources.add(s, SourceSpec(name=f"feed-{n}", kind="rss", url=url), "t", policy=LOCAL)
    with HttpClient(policy=LOCAL, user_agent="t", host_interval=0.0) as client:
        reports = collect_due(pg_rt, client, worker="w")
    assert len(reports) == 2 and all(r.error is None and r.new for r in reports)
    merger = pending_merger(pg_rt.engine)
    assert merger is not None and merger.settle()
    # Asked for by a run's commit (a later run, or its copies' relinking, may add entries
    # after it: only the thread's merge is checked here, not an empty list).
    assert merger.merges >= 1 and merger.failed is None


def test_a_role_that_does_not_own_the_index_stops_merging_with_a_warning(
    pg_rt: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    role = f"guest_{uuid.uuid4().hex[:8]}"
    with pg_rt.engine.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        conn.commit()
    url = pg_rt.engine.url.set(username=role)
    guest = make_engine(url.render_as_string(hide_password=False))
    try:
        merger = PendingMerger(guest)
        with caplog.at_level(logging.WARNING, logger="monitor.posts.textindex"):
            merger.wake()
            assert merger.settle()
        assert merger.failed is not None and "owner" in merger.failed
        assert merger.merges == 0
        assert any("text index merge stopped" in r.getMessage() for r in caplog.records)
    finally:
        guest.dispose()
        with pg_rt.engine.connect() as conn:
            conn.execute(text(f'DROP ROLE "{role}"'))
            conn.commit()


def test_the_registry_does_not_keep_an_engine_alive(fresh_db_url: str) -> None:
    if not fresh_db_url.startswith("postgresql"):
        pytest.skip("mergers exist for PostgreSQL engines only")
    engine = make_engine(fresh_db_url)
    assert pending_merger(engine) is not None
    gone = weakref.ref(engine)
    engine.dispose()
    del engine
    gc.collect()
    assert gone() is None
