"""Copies of stored messages are inserted with their cluster: no second posts row version."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from monitor.clusters.models import Cluster
from monitor.flows import arrival
from monitor.posts.models import Post
from monitor.posts.schemas import PostIn
from tests.clusters.test_clusters import COPIES, FORWARD, UNRELATED

_EXTRA = [
    "Tolong",
    "sebarkan",
    "pesan",
    "ini",
    "ke",
    "semua",
    "grup",
    "keluarga",
    "dan",
    "tetangga",
    "supaya",
    "warga",
    "tahu",
    "sebelum",
    "hari",
    "pencoblosan",
    "nanti",
    "ya",
]
_WORDS = FORWARD.split()
# A copy of FORWARD with a long appeal appended (estimated similarity 0.77 to FORWARD),
# and a further rewrite of it that no longer passes for FORWARD (0.58) but is closer to
# the copy (0.80): the copy then joins the rewrite stored just before it in its page.
COPY = " ".join(_WORDS + _EXTRA[:14])
REWRITE = " ".join([*_WORDS[:-6], *_EXTRA[:17], "Wassalam", "salam", "waras"])


def _item(n: str, body: str) -> PostIn:
    return PostIn.model_validate({"platform": "x", "external_id": n, "text": body})


@contextmanager
def _cluster_updates(db: Session) -> Iterator[list[int]]:
    """Count UPDATEs of posts.cluster_id inside the block (a trigger on SQLite, stats on PG)."""
    out: list[int] = []
    if db.get_bind().dialect.name == "sqlite":
        db.execute(text("CREATE TEMP TABLE cluster_writes (post_id INTEGER)"))
        db.execute(
            text(
                "CREATE TEMP TRIGGER count_cluster_writes AFTER UPDATE OF cluster_id ON posts "
                "BEGIN INSERT INTO cluster_writes VALUES (NEW.id); END"
            )
        )
        yield out
        out.append(int(db.scalar(text("SELECT count(*) FROM cluster_writes")) or 0))
        db.execute(text("DROP TRIGGER count_cluster_writes"))
        db.execute(text("DROP TABLE cluster_writes"))
        return
    # This transaction's own row counts: every UPDATE statement of posts is a cluster one here.
    query = text("SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'posts'")
    before = int(db.scalar(query) or 0)
    yield out
    out.append(int(db.scalar(query) or 0) - before)


def test_copies_of_a_stored_message_are_inserted_in_its_cluster(db: Session) -> None:
    (first,) = arrival.arrive(db, [_item("c0", COPIES[0])]).new_posts
    with _cluster_updates(db) as updates:
        page = arrival.arrive(db, [_item("c1", COPIES[1]), _item("u", UNRELATED[0])]).new_posts
    copy, lone = sorted(page, key=lambda p: p.external_id)
    db.refresh(first)
    assert copy.cluster_id is not None and first.cluster_id == copy.cluster_id
    assert lone.cluster_id is None
    assert updates == [1]  # only the first copy's one-time backfill
    cluster = db.get(Cluster, copy.cluster_id)
    assert cluster is not None and cluster.size == 2 and cluster.representative_post_id == first.id
    with _cluster_updates(db) as updates:
        (late,) = arrival.arrive(db, [_item("c2", COPIES[2])]).new_posts
    db.refresh(cluster)
    assert late.cluster_id == first.cluster_id and cluster.size == 3
    assert updates == [0]  # a later copy: no posts row rewritten at all


def test_a_copy_closer_to_its_own_page_leaves_no_empty_cluster(db: Session) -> None:
    (first,) = arrival.arrive(db, [_item("h", FORWARD)]).new_posts
    page = arrival.arrive(db, [_item("p1", REWRITE), _item("p2", COPY)]).new_posts
    rewrite, copy = sorted(page, key=lambda p: p.id)
    db.refresh(first)
    db.refresh(copy)
    # The copy was placed in a new cluster of the stored first copy before its insert, then
    # joined the closer rewrite of its own page: that cluster is gone and unpointed.
    assert copy.cluster_id is not None and copy.cluster_id == rewrite.cluster_id
    assert first.cluster_id is None
    assert db.scalar(select(func.count()).select_from(Cluster)) == 1
    cluster = db.get(Cluster, copy.cluster_id)
    assert cluster is not None and cluster.representative_post_id == rewrite.id
    assert cluster.size == 2
    members = db.scalar(select(func.count()).where(Post.cluster_id == cluster.id))
    assert members == 2
