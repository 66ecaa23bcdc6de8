"""A page's band lookup and signature read split in halves return what one read returns."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Connection, Engine, insert, text
from sqlalchemy.orm import Session

from monitor.clusters import repository_bands
from monitor.clusters import service as clusters
from monitor.clusters.models import PostBand, PostSignature
from monitor.core.base import utcnow
from monitor.core.db import make_engine
from monitor.posts.models import Post

HEADS = 600  # first copies, 8 band keys each, keys shared in overlapping runs


def _keys(n: int) -> list[int]:
    return [(n // 3) * 10 + j for j in range(8)]  # three heads a key group: ranking matters


@pytest.fixture
def engine(fresh_db_url: str) -> Iterator[Engine]:
    """A committed store of HEADS first copies with signatures and bands."""
    eng = make_engine(fresh_db_url)
    now = utcnow()
    with eng.begin() as conn:
        conn.execute(
            insert(Post),
            [
                {
                    "id": n + 1,
                    "platform": "x",
                    "external_id": f"h{n}",
                    "text": f"pesan {n}",
                    "content_hash": f"{n:064d}",
                    "fetched_at": now,
                }
                for n in range(HEADS)
            ],
        )
        conn.execute(
            insert(PostSignature),
            [
                {"post_id": n + 1, "packed": bytes([n % 256]) * 3, "seen_at": now}
                for n in range(HEADS)
            ],
        )
        conn.execute(
            insert(PostBand),
            [{"band_key": k, "post_id": n + 1} for n in range(HEADS) for k in _keys(n)],
        )
    yield eng
    eng.dispose()


def _lookup(session: Session, keys: Sequence[int]) -> tuple[list[int], list[int]]:
    since = utcnow() - clusters.HOT_WINDOW
    got = repository_bands.band_posts(session, keys, since, 2)
    return got[0].tolist(), got[1].tolist()


def _all_keys() -> list[int]:
    return sorted({k for n in range(HEADS) for k in _keys(n)} | {-1, -2})


def test_split_reads_return_the_same_rows_in_the_same_order(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Split or not, the same band rows (same order) and the same signatures."""
    ids = list(range(1, HEADS + 1))
    with Session(engine) as session:
        whole_bands = _lookup(session, _all_keys())
        whole_heads = repository_bands.heads(session, ids)
    monkeypatch.setattr(repository_bands, "SPLIT_MIN", 2)
    with Session(engine) as session:
        split_bands = _lookup(session, _all_keys())
        split_heads = repository_bands.heads(session, ids)
    assert split_bands == whole_bands
    assert split_heads == whole_heads
    assert len(whole_heads) == HEADS
    # Two newest a key (per_key=2): heads 3g+2 and 3g+1 of each key group g.
    assert len(whole_bands[0]) == 2 * 8 * (HEADS // 3)
    assert np.all(np.diff(whole_bands[0]) >= 0)


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_halves_run_on_two_connections(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL the second half is read by another backend, at the same time."""
    monkeypatch.setattr(repository_bands, "SPLIT_MIN", 2)

    def read(conn: Connection, part: Sequence[int]) -> list[tuple[Any, ...]]:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        return [(pid, tuple(part))]

    with Session(engine) as session:
        own = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
        first, second = repository_bands.in_halves(session, [1, 2, 3, 4, 5], read)
    assert first == [(own, (1, 2))]
    assert second[0][0] != own and second[0][1] == (3, 4, 5)


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_a_transaction_that_wrote_reads_alone(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a write the page's own uncommitted rows count: one read, on its connection."""
    monkeypatch.setattr(repository_bands, "SPLIT_MIN", 2)
    with Session(engine) as session:
        session.execute(insert(PostBand), [{"band_key": -1, "post_id": 1}])
        session.execute(
            text("UPDATE post_signatures SET packed = :p WHERE post_id = 2"), {"p": b"new"}
        )
        keys, posts = _lookup(session, _all_keys())
        assert (-1, 1) in set(zip(keys, posts, strict=True))
        assert repository_bands.heads(session, list(range(1, HEADS + 1)))[2] == b"new"
        session.rollback()


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("failing", ["first", "second"])
def test_a_failing_half_raises_and_returns_its_connection(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    """Either half's error reaches the caller; no connection is left checked out."""
    monkeypatch.setattr(repository_bands, "SPLIT_MIN", 2)

    def read(conn: Connection, part: Sequence[int]) -> list[int]:
        if (part[0] == 1) == (failing == "first"):
            raise RuntimeError(f"{failing} half failed")
        return list(part)

    with Session(engine) as session, pytest.raises(RuntimeError, match=f"{failing} half"):
        repository_bands.in_halves(session, [1, 2, 3, 4], read)
    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_small_reads_are_not_split(engine: Engine) -> None:
    """Below SPLIT_MIN (and always on SQLite) one read on the session's own connection."""
    seen: list[Sequence[int]] = []

    def read(conn: Connection, part: Sequence[int]) -> list[int]:
        seen.append(part)
        return list(part)

    with Session(engine) as session:
        assert repository_bands.in_halves(session, [1, 2, 3], read) == [[1, 2, 3]]
    assert seen == [[1, 2, 3]]


def test_quiet_heads_stay_out_of_both_halves(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quiet ids are left out of each half as of the whole (same rows as unsplit)."""
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE post_signatures SET seen_at = :t WHERE post_id % 3 = 0"),
            {"t": utcnow() - clusters.HOT_WINDOW - timedelta(days=1)},
        )
    with Session(engine) as session:
        whole = _lookup(session, _all_keys())
    monkeypatch.setattr(repository_bands, "SPLIT_MIN", 2)
    with Session(engine) as session:
        split = _lookup(session, _all_keys())
    assert split == whole
    assert not {p for p in whole[1] if p % 3 == 0}


def _pid_read(conn: Connection, part: Sequence[int]) -> list[tuple[Any, ...]]:
    return [(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar(), tuple(part))]


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_a_full_pool_reads_alone(fresh_db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no idle pooled connection the page does not wait for one: one read."""
    monkeypatch.setattr(repository_bands, "SPLIT_MIN", 2)
    eng = make_engine(fresh_db_url, pool_size=1, max_overflow=0, pool_timeout=1)
    try:
        with Session(eng) as session:
            parts = repository_bands.in_halves(session, [1, 2, 3, 4], _pid_read)
        assert len(parts) == 1 and parts[0][0][1] == (1, 2, 3, 4)
    finally:
        eng.dispose()


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_busy_helpers_leave_the_second_half_to_the_page(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When every helper thread is busy, the page reads its second half itself."""
    monkeypatch.setattr(repository_bands, "SPLIT_MIN", 2)
    release = threading.Event()
    pool = repository_bands._helper_pool()
    blockers = [pool.submit(release.wait, 30) for _ in range(4)]
    try:
        with Session(engine) as session:
            own = session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
            first, second = repository_bands.in_halves(session, [1, 2, 3, 4], _pid_read)
        assert first == [(own, (1, 2))] and second == [(own, (3, 4))]
    finally:
        release.set()
        for blocker in blockers:
            blocker.result()
