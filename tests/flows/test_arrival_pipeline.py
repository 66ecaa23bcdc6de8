"""`waspada ingest`'s writer thread: the same stored rows as page-by-page arrival, failures kept."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from monitor.cli.commands.posts import store_batches
from monitor.clusters.models import Cluster, PostBand, PostSignature
from monitor.core.runtime import Runtime
from monitor.flows import arrival
from monitor.flows.pipeline import Writer
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


def test_a_database_failure_in_the_middle_page_surfaces_and_keeps_the_pages_before(
    rt: Runtime,
) -> None:
    pages = [
        [
            PostIn(platform="w", external_id=f"{page}-{n}", text=f"{BASE[n]} {page}")
            for n in range(3)
        ]
        for page in range(3)
    ]

    def store(page: list[PostIn]) -> int:
        with rt.session() as s:
            prepared = arrival.prepare(page)
            outcome = arrival.arrive(s, page, prepared=prepared)
            if page is pages[1]:  # a real failure of the database, after the page's inserts
                s.execute(text("SELECT * FROM table_that_is_not_there"))
        return outcome.report.new

    writer: Writer[list[PostIn], int] = Writer(store, depth=1)
    with pytest.raises(SQLAlchemyError, match="table_that_is_not_there"), writer:
        for page in pages:
            writer.put(page)
    assert writer.results == [3]  # the first page, committed before the failure
    with rt.session() as s:
        stored = sorted(s.scalars(select(Post.external_id).where(Post.platform == "w")))
    assert stored == ["0-0", "0-1", "0-2"]  # the failed page rolled back whole, none after it


def test_the_writer_holds_at_most_depth_pages_and_keeps_their_order() -> None:
    waiting: list[int] = []
    seen: list[int] = []

    def store(page: int) -> int:
        seen.append(page)
        waiting.append(page)
        return page * 2

    with Writer(store, depth=2) as writer:
        for page in range(20):
            writer.put(page)
            assert writer._queue.qsize() <= 2
    assert seen == list(range(20)) and writer.results == [2 * p for p in range(20)]
    assert writer.close() == writer.results  # closing twice is harmless


def test_an_error_in_the_callers_thread_still_stores_the_pages_handed_over() -> None:
    stored: list[int] = []
    with pytest.raises(ValueError, match="unreadable"), Writer(stored.append, depth=1) as writer:
        writer.put(1)
        writer.put(2)
        raise ValueError("unreadable file")
    assert stored == [1, 2]
