"""Two arrivals at once on one PostgreSQL: copies of one stored first copy share one cluster.

Two collector source runs (or two ingest pages) each store a copy of a message whose first
copy has no cluster yet. Both read "no cluster" before either commits; without a lock the
second created a cluster too and re-pointed the first copy to it, leaving the first run's
cluster with one member and statistics that counted two.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.clusters.models import Cluster
from monitor.core.db import make_engine
from monitor.flows import arrival
from monitor.posts.models import Post
from monitor.posts.schemas import PostIn
from tests.clusters.test_clusters import COPIES


def _item(n: str, text: str) -> PostIn:
    return PostIn.model_validate({"platform": "x", "external_id": n, "text": text})


def _assert_consistent(s: Session) -> None:
    """Every cluster has members, its size counts them, and copies of one message share one."""
    members: dict[int | None, int] = dict(
        s.execute(
            select(Post.cluster_id, func.count())
            .where(Post.cluster_id.is_not(None))
            .group_by(Post.cluster_id)
        )
        .tuples()
        .all()
    )
    sizes: dict[int | None, int] = dict(s.execute(select(Cluster.id, Cluster.size)).tuples().all())
    assert sizes == members, (sizes, members)  # no cluster without members, sizes match
    assert all(n >= 2 for n in members.values()), members  # a cluster is for copies
    assert len(sizes) == 1, sizes  # the three copies of the forward: one cluster


def _race(url: str, first_page: list[PostIn], second_page: list[PostIn]) -> None:
    """Store `first_page` and hold its transaction open while `second_page` arrives."""
    engine = make_engine(url)
    factory = sessionmaker(engine)
    errors: list[BaseException] = []
    try:
        with factory() as first:
            arrival.arrive(first, first_page)  # holds its rows, uncommitted

            def second() -> None:
                try:
                    with factory.begin() as s:
                        arrival.arrive(s, second_page)
                except BaseException as exc:  # reported by the main thread
                    errors.append(exc)

            other = threading.Thread(target=second)
            other.start()
            other.join(0.5)
            assert other.is_alive()  # waiting on the first page's locks
            first.commit()
            other.join(30)
            assert not other.is_alive()
        assert not errors, errors
        with factory() as s:
            _assert_consistent(s)
            (head,) = s.scalars(select(Post).where(Post.external_id == "first"))
            assert head.cluster_id is not None
    finally:
        engine.dispose()


def _stored_first_copy(url: str) -> None:
    engine = make_engine(url)
    with sessionmaker(engine).begin() as s:
        arrival.arrive(s, [_item("first", COPIES[0])])
    engine.dispose()


@pytest.mark.parametrize("fresh_db_url", ["sqlite", "postgresql"], indirect=True)
def test_two_copies_of_a_lone_first_copy_at_once_make_one_cluster(fresh_db_url: str) -> None:
    # SQLite: the second page waits for the first's write lock (BEGIN IMMEDIATE) and reads
    # its cluster; PostgreSQL: it waits on the first copy's row lock and re-reads the row.
    _stored_first_copy(fresh_db_url)
    _race(fresh_db_url, [_item("copy-a", COPIES[1])], [_item("copy-b", COPIES[2])])


@pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)
def test_two_copies_of_a_clustered_first_copy_at_once_count_both(fresh_db_url: str) -> None:
    # The cluster exists already: both pages grow it; its size counts both copies.
    _stored_first_copy(fresh_db_url)
    engine = make_engine(fresh_db_url)
    with sessionmaker(engine).begin() as s:
        arrival.arrive(s, [_item("copy-0", COPIES[1] + " Aamiin.")])
    engine.dispose()
    _race(fresh_db_url, [_item("copy-a", COPIES[1])], [_item("copy-b", COPIES[2])])
