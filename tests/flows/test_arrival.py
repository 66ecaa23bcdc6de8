"""The arrival flow on both databases: order, idempotence, lazy clusters, hostile pages."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.clusters.models import Cluster, PostBand, PostSignature
from monitor.core.base import utcnow
from monitor.flows import arrival
from monitor.keys.principal import Principal
from monitor.posts.models import Post, PostRegion
from monitor.posts.schemas import PostIn
from monitor.posts.service import validate
from monitor.reviews import service as reviews
from monitor.reviews.schemas import DecisionIn
from tests.clusters.test_clusters import COPIES, UNRELATED

REVIEWER = Principal(key_id=None, name="peninjau", role="reviewer")


def _item(n: str, text: str, **extra: object) -> PostIn:
    return PostIn.model_validate({"platform": "x", "external_id": n, "text": text, **extra})


def _count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_same_post_twice_is_one_post_and_runs_the_steps_once(db: Session) -> None:
    first = arrival.arrive(db, [_item("a", COPIES[0], region_code="15.05")])
    again = arrival.arrive(db, [_item("a", COPIES[0], region_code="15.05")])
    assert first.report.new == 1 and again.report.new == 0 and again.new_posts == []
    assert _count(db, Post) == 1 and _count(db, PostSignature) == 1
    assert _count(db, PostBand) == 16 and _count(db, Cluster) == 0
    (post,) = first.new_posts
    origins = {(r.region_code, r.origin) for r in db.scalars(select(PostRegion))}
    assert ("15.05", "sender") in origins  # the declared region stays beside text matches
    assert post.cluster_id is None


def test_second_copy_creates_the_cluster_and_backfills_the_first(db: Session) -> None:
    (first,) = arrival.arrive(db, [_item("c0", COPIES[0])]).new_posts
    (lone,) = arrival.arrive(db, [_item("u0", UNRELATED[0])]).new_posts
    (second,) = arrival.arrive(db, [_item("c1", COPIES[1])]).new_posts
    db.refresh(first)
    assert second.cluster_id is not None and first.cluster_id == second.cluster_id
    cluster = db.get(Cluster, second.cluster_id)
    assert cluster is not None and cluster.size == 2
    assert cluster.representative_post_id == first.id
    assert lone.cluster_id is None and _count(db, Cluster) == 1
    # Copies are compared with the first copy: the second adds no bands of its own.
    assert _count(db, PostBand) == 32


def test_copies_within_one_page_share_a_cluster(db: Session) -> None:
    out = arrival.arrive(db, [_item(f"p{i}", t) for i, t in enumerate([*COPIES, UNRELATED[1]])])
    ids = [p.cluster_id for p in sorted(out.new_posts, key=lambda p: p.id)]
    assert ids[0] is not None and ids[:3] == [ids[0]] * 3 and ids[3] is None


def test_a_late_copy_inherits_the_cluster_decision(db: Session) -> None:
    t0 = utcnow() - timedelta(hours=1)
    posts = arrival.arrive(
        db, [_item(f"d{i}", t, published_at=t0) for i, t in enumerate(COPIES[:2])]
    ).new_posts
    decision = DecisionIn(action="escalate", target="bawaslu", note="x", apply_to_cluster=True)
    reviews.decide(db, REVIEWER, posts[0].id, decision)
    (late,) = arrival.arrive(db, [_item("late", COPIES[2])]).new_posts
    db.refresh(late)
    assert late.cluster_id == posts[0].cluster_id and late.review_status == "escalated"


def test_one_bad_item_never_blocks_its_page(db: Session) -> None:
    records: list[object] = [
        {"platform": "x", "external_id": "ok-1", "text": COPIES[0]},
        {"platform": "x", "external_id": "bad", "text": "\x00" * 10, "region_code": "99.99"},
        "not an object",
        {"platform": "x", "external_id": "ok-2", "text": COPIES[1], "region_code": "nonsense"},
        {"platform": "x", "external_id": "ok-3", "text": "x" * 99_000},
    ]
    good, bad = validate(records)  # type: ignore[arg-type]
    out = arrival.arrive(db, good)
    stored = {p.external_id for p in out.new_posts}
    assert {"ok-1", "ok-3"} <= stored and len(bad) >= 1
    assert out.report.new + len(out.report.rejected) + len(bad) == len(records)
    ok = {p.external_id: p for p in out.new_posts}
    if "ok-2" in ok:  # an unknown declared region costs the region, never the post
        assert ok["ok-2"].cluster_id == ok["ok-1"].cluster_id is not None
