"""`waspada ingest`'s writer thread: the same stored rows as page-by-page arrival, failures kept."""

from __future__ import annotations

import multiprocessing
import os
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from monitor.cli.commands import posts as posts_command
from monitor.cli.commands.posts import store_batches
from monitor.clusters.models import Cluster, PostBand, PostSignature
from monitor.core.db import make_engine
from monitor.core.runtime import Runtime, runtime_for_engine
from monitor.core.settings import load_settings
from monitor.flows import arrival
from monitor.flows.pipeline import Committer
from monitor.posts import service
from monitor.posts.models import Post, PostRegion
from monitor.posts.schemas import IngestReport, PostIn

BASE = [
    "Beredar pesan berantai bahwa surat suara di Kabupaten Bandung sudah dicoblos sebelum hari H",
    "KPU Kota Surabaya memastikan logistik pemilu tiba tepat waktu di semua kecamatan",
    "Warga Jayapura diminta waspada terhadap hoaks pembagian sembako dari calon tertentu",
    "Bawaslu Provinsi Jambi menemukan dugaan politik uang menjelang pencoblosan besok pagi",
    "Antrean panjang terlihat di TPS nomor tujuh karena petugas terlambat membuka bilik",
]


def _records() -> list[list[tuple[int, dict[str, Any]]]]:
    """Three pages: near copies and exact copies across pages, hostile lines in the middle."""
    pages: list[list[tuple[int, dict[str, Any]]]] = [[], [], []]
    line = 0
    for page in range(3):
        for n, base in enumerate(BASE):
            line += 1
            body = base if page == 0 else f"{base} (dibagikan ulang {page})"
            pages[page].append(
                (line, {"platform": "file", "external_id": f"p{page}-{n}", "text": body})
            )
        line += 1
        pages[page].append(
            (line, {"platform": "file", "external_id": f"exact-{page}", "text": BASE[0]})
        )
    middle = pages[1]
    middle.append((100, {"platform": "file", "external_id": "no-text"}))  # fails validation
    middle.append((101, {"platform": "file", "external_id": "boom", "text": "ditolak basis data"}))
    middle.append((102, {"platform": "file", "external_id": "p1-0", "text": "versi terakhir"}))
    middle.append((103, {"platform": "file", "external_id": "x", "text": "t", "region_code": "32"}))
    return pages


def _refuse_boom(conn: Connection) -> None:
    """A trigger refusing one row, as a constraint the validation cannot know would."""
    if conn.dialect.name == "sqlite":
        conn.execute(
            text(
                "CREATE TRIGGER refuse_boom BEFORE INSERT ON posts WHEN NEW.external_id = 'boom' "
                "BEGIN SELECT RAISE(ABORT, 'refused by a rule'); END"
            )
        )
        return
    conn.execute(
        text(
            "CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF NEW.external_id = 'boom' THEN RAISE EXCEPTION 'refused by a rule'; END IF; "
            "RETURN NEW; END $$"
        )
    )
    conn.execute(
        text(
            "CREATE TRIGGER refuse_boom BEFORE INSERT ON posts "
            "FOR EACH ROW EXECUTE FUNCTION refuse_boom()"
        )
    )


def _snapshot(s: Session) -> dict[str, list[tuple[Any, ...]]]:
    """The stored arrival rows with ids replaced by post keys (sequences differ per run)."""
    key = {i: (p, e) for i, p, e in s.execute(select(Post.id, Post.platform, Post.external_id))}
    rep = {c: key.get(r) for c, r in s.execute(select(Cluster.id, Cluster.representative_post_id))}
    cols = [c for c in Post.__table__.columns if c.key not in ("id", "fetched_at")]
    posts = []
    for row in s.execute(select(Post.id, *cols)).mappings():
        values = {c.key: row[c.key] for c in cols}
        values["duplicate_of_id"] = key.get(values["duplicate_of_id"])
        values["cluster_id"] = rep.get(values["cluster_id"])
        posts.append(tuple(sorted((k, repr(v)) for k, v in values.items())))
    clusters = [
        (rep[c.id], c.size, repr(c.signature), c.n_sources) for c in s.scalars(select(Cluster))
    ]
    regions = [
        (key[r.post_id], r.region_code, r.origin, r.evidence) for r in s.scalars(select(PostRegion))
    ]
    bands = [(key[b.post_id], b.band_key) for b in s.scalars(select(PostBand))]
    sigs = [(key[g.post_id], g.packed) for g in s.scalars(select(PostSignature))]
    return {
        "posts": sorted(posts),
        "clusters": sorted(clusters, key=repr),
        "regions": sorted(regions),
        "bands": sorted(bands),
        "signatures": sorted(sigs),
    }


def _page_by_page(rt: Runtime, pages: list[list[tuple[int, dict[str, Any]]]]) -> int:
    """Arrival without the writer thread or the prepared rows, as `waspada ingest` did."""
    refused = 0
    for batch in pages:
        good, _ = service.validate([record for _, record in batch])
        with rt.session() as s:
            refused += len(arrival.arrive(s, good).report.rejected)
    return refused


@pytest.mark.regions
def test_pipelined_ingest_stores_what_page_by_page_arrival_stores(
    rt: Runtime, db_connection: Connection
) -> None:
    _refuse_boom(db_connection)
    plain = db_connection.begin_nested()
    assert _page_by_page(rt, _records()) == 1  # the row the rule refused
    with rt.session() as s:
        before = _snapshot(s)
    plain.rollback()
    total = IngestReport()
    store_batches(rt, iter(_records()), total, None, None)
    with rt.session() as s:
        after = _snapshot(s)
    assert after == before
    assert len(after["posts"]) == 3 * 6 + 1  # every valid line but the refused one
    assert len(after["clusters"]) >= 5 and after["regions"]  # copies and places were found
    # Both bad lines of the middle page are named by line; the pages after it are stored.
    bad = {r.index: " ".join(r.errors) for r in total.rejected}
    assert sorted(bad) == [100, 101]
    assert "text" in bad[100] and "database refused" in bad[101] and "refused by a rule" in bad[101]
    assert total.received == 3 * 6 + 4 and total.new == 3 * 6 + 1


_PREPARE = posts_command._prepare


def _dies_at_the_middle_page(batch: Any, source_id: Any, language: Any) -> Any:
    """The worker process dies on the middle page (as the OOM killer would end it)."""
    if multiprocessing.parent_process() is not None and any(line == 100 for line, _ in batch):
        os._exit(3)
    return _PREPARE(batch, source_id, language)


def _raises_at_the_middle_page(batch: Any, source_id: Any, language: Any) -> Any:
    if multiprocessing.parent_process() is not None and any(line == 100 for line, _ in batch):
        raise MemoryError("worker out of memory")
    return _PREPARE(batch, source_id, language)


@pytest.mark.regions
@pytest.mark.parametrize("prepare", [_dies_at_the_middle_page, _raises_at_the_middle_page])
def test_a_failed_prepare_worker_loses_nothing(
    rt: Runtime, db_connection: Connection, monkeypatch: pytest.MonkeyPatch, prepare: Any
) -> None:
    plain = db_connection.begin_nested()
    _page_by_page(rt, _records())
    with rt.session() as s:
        before = _snapshot(s)
    plain.rollback()
    monkeypatch.setattr(posts_command, "_prepare", prepare)
    total = IngestReport()
    store_batches(rt, iter(_records()), total, None, None)
    with rt.session() as s:
        assert _snapshot(s) == before  # the middle and last pages prepared in process
    assert [r.index for r in total.rejected] == [100]
    assert total.received == 3 * 6 + 4 and total.new == 3 * 6 + 2


def _pages() -> list[list[PostIn]]:
    return [
        [
            PostIn(platform="w", external_id=f"{page}-{n}", text=f"{BASE[n]} {page}")
            for n in range(3)
        ]
        for page in range(3)
    ]


def _stored_keys(rt: Runtime) -> list[str]:
    with rt.session() as s:
        return sorted(s.scalars(select(Post.external_id).where(Post.platform == "w")))


def test_a_database_failure_in_the_middle_page_surfaces_and_keeps_the_pages_before(
    rt: Runtime,
) -> None:
    pages = _pages()
    counted: list[int] = []
    failure = pytest.raises(SQLAlchemyError, match="table_that_is_not_there")
    with failure, Committer() as committer:
        for page in pages:
            prepared = arrival.prepare(page)  # while the page before commits
            with committer.unit(rt) as s:
                outcome = arrival.arrive(s, page, prepared=prepared)
                if page is pages[1]:  # a real failure of the database, after the inserts
                    s.execute(text("SELECT * FROM table_that_is_not_there"))
                committer.after(partial(counted.append, outcome.report.new))
    assert counted == [3]  # the first page, committed before the failure
    assert _stored_keys(rt) == ["0-0", "0-1", "0-2"]  # the failed page rolled back, none after


def _fail_at_commit(conn: Connection, s: Session) -> None:
    """Make the current transaction fail at COMMIT, as a full disk or a deferred check would."""
    if conn.dialect.name == "sqlite":
        s.execute(text("PRAGMA defer_foreign_keys = ON"))
        s.execute(text("INSERT INTO post_bands (band_key, post_id) VALUES (7, 999999999)"))
        return
    s.execute(text("SET CONSTRAINTS ALL DEFERRED"))
    s.execute(text("UPDATE posts SET external_id = 'commit-boom' WHERE external_id = '1-0'"))


def test_a_failed_commit_surfaces_before_the_next_page_and_nothing_after_is_stored(
    fresh_db_url: str, tmp_path: Path
) -> None:
    engine = make_engine(fresh_db_url)
    rt = runtime_for_engine(load_settings(data_dir=tmp_path, database_url=fresh_db_url), engine)
    try:
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                        "RAISE EXCEPTION 'refused at commit'; END $$"
                    )
                )
                conn.execute(
                    text(
                        "CREATE CONSTRAINT TRIGGER boom AFTER UPDATE ON posts DEFERRABLE "
                        "INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.external_id = 'commit-boom') "
                        "EXECUTE FUNCTION boom()"
                    )
                )
        pages = _pages()
        counted: list[int] = []
        reached: list[int] = []
        failure = pytest.raises(SQLAlchemyError, match=r"FOREIGN KEY|refused at commit")
        with failure, Committer() as committer:
            for n, page in enumerate(pages):
                with committer.unit(rt) as s:  # raises page 1's commit error on page 2
                    reached.append(n)
                    outcome = arrival.arrive(s, page)
                    if n == 1:
                        _fail_at_commit(s.connection(), s)
                    committer.after(partial(counted.append, outcome.report.new))
        assert reached == [0, 1] and counted == [3]
        assert _stored_keys(rt) == ["0-0", "0-1", "0-2"]
    finally:
        rt.close()


def test_an_error_in_the_callers_thread_still_commits_the_page_handed_over(rt: Runtime) -> None:
    pages = _pages()
    counted: list[int] = []
    with pytest.raises(ValueError, match="unreadable"), Committer() as committer:
        with committer.unit(rt) as s:
            outcome = arrival.arrive(s, pages[0])
            committer.after(partial(counted.append, outcome.report.new))
        raise ValueError("unreadable file")
    assert counted == [3] and _stored_keys(rt) == ["0-0", "0-1", "0-2"]
