"""The narrative-first queue: one row per cluster, single posts alone, keyset pages, scope."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy.orm import Session

from api.items.endpoints import _json_page
from monitor.core.runtime import Runtime
from monitor.desk import narratives, queue
from monitor.desk import rows as desk_rows
from monitor.desk.schemas import QueuePage
from monitor.flows import priority as flow_priority
from monitor.keys.principal import Principal
from monitor.posts.models import Post
from monitor.regions.models import IkpScore
from tests.support.client import app_client
from tests.support.seeds.web import seed

ADMIN = Principal(key_id=None, name="t", role="admin")
JAMBI = Principal(key_id=None, name="j", role="liaison", regions=("15",))


def test_a_cluster_is_one_row_with_its_best_copy_on_top(db: Session) -> None:
    seeded = seed(db)
    rows, cursor = narratives.page(db, ADMIN, queue.ItemFilters())
    assert cursor is None
    assert len(rows) == len(seeded.post_ids) - 2  # three copies make one row
    cluster_rows = [r for r in rows if r.cluster_id is not None]
    assert len(cluster_rows) == 1
    row = cluster_rows[0]
    assert row.count == 3 and len(row.copies) == 3
    assert row.top.id == seeded.cluster_post_id  # the 0.93 copy, not the 0.80 ones
    assert row.n_sources == 0 and row.first_seen <= row.last_seen
    assert row.growth_rate == pytest.approx(2.5)
    singles = [r for r in rows if r.cluster_id is None]
    assert all(r.count == 1 and r.key == -r.top.id for r in singles)
    assert {c.platform for c in row.copies} == {"twitter", "whatsapp"}
    # Ordered by the best copy's priority, like the flat queue.
    tops = [r.top.priority for r in rows]
    assert tops == sorted(tops, reverse=True)


def test_unclustered_posts_are_rows_of_their_own(db: Session) -> None:
    seeded = seed(db)
    # Lazy clusters: a lone post has no cluster row at all (cluster_id NULL).
    lone = db.get(Post, seeded.post_ids[0])
    assert lone is not None and lone.cluster_id is None
    rows, _ = narratives.page(db, ADMIN, queue.ItemFilters(labels=("money_politics",)))
    assert {r.top.id for r in rows} == {seeded.post_ids[0], seeded.post_ids[3]}


def test_pages_walk_every_group_once(db: Session) -> None:
    seed(db)
    everything, _ = narratives.page(db, ADMIN, queue.ItemFilters())
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        rows, cursor = narratives.page(db, ADMIN, queue.ItemFilters(), cursor=cursor, limit=2)
        seen.extend(r.key for r in rows)
        if cursor is None:
            break
    assert seen == [r.key for r in everything]
    by_time, _ = narratives.page(db, ADMIN, queue.ItemFilters(), sort="time", limit=2)
    assert len(by_time) == 2


def test_status_filter_counts_only_matching_copies(db: Session) -> None:
    seeded = seed(db)
    copy = db.get(Post, seeded.post_ids[-1])
    assert copy is not None
    copy.review_status = "dismissed"
    db.flush()
    rows, _ = narratives.page(db, ADMIN, queue.ItemFilters(statuses=("new",)))
    cluster_row = next(r for r in rows if r.cluster_id is not None)
    assert cluster_row.count == 2 and copy.id not in {c.id for c in cluster_row.copies}


def test_a_liaison_sees_only_groups_in_their_regions(db: Session) -> None:
    seeded = seed(db)
    rows, _ = narratives.page(db, JAMBI, queue.ItemFilters())
    shown = {c.id for r in rows for c in r.copies}
    assert shown == set(seeded.jambi_ids)


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        "x" * 500,
        base64.urlsafe_b64encode(b'{"s": "priority", "k": 0.5, "i": 3}').decode(),  # flat
        base64.urlsafe_b64encode(b'{"s": "priority", "m": "cluster", "k": 0.5, "g": 0}').decode(),
        base64.urlsafe_b64encode(b'{"s": "time", "m": "cluster", "k": 0.5, "g": 3}').decode(),
        base64.urlsafe_b64encode(b'{"s": "priority", "m": "cluster", "k": "NaN", "g": 3}').decode(),
        base64.urlsafe_b64encode(b'{"s": "priority", "m": "cluster", "k": 1, "g": 9e99}').decode(),
        base64.urlsafe_b64encode(b'{"s": "priority", "m": "cluster", "k": 1, "i": 0}').decode(),
        base64.urlsafe_b64encode(b'{"s": "priority", "m": "cluster", "k": 1, "i": true}').decode(),
        base64.urlsafe_b64encode(b'{"s": "priority", "m": "cluster", "k": "x", "i": 3}').decode(),
        base64.urlsafe_b64encode(b'{"s": "time", "m": "cluster", "k": "2025", "i": 3}').decode(),
    ],
)
def test_hostile_cursors_are_refused_clearly(db: Session, cursor: str) -> None:
    seed(db)
    with pytest.raises(queue.QueryError, match=r"(?i)invalid cursor"):
        narratives.page(db, ADMIN, queue.ItemFilters(), cursor=cursor)


def test_the_api_groups_on_request_and_explains_the_priority(rt: Runtime) -> None:
    with rt.session() as s:
        seeded = seed(s)
    client = app_client(rt)
    headers = {"Authorization": f"Bearer {seeded.keys['reviewer']}"}
    flat = client.get("/api/v1/items", headers=headers, params={"group": "none"}).json()
    assert len(flat["items"]) == len(seeded.post_ids)  # group=none: one row per post
    default = client.get("/api/v1/items", headers=headers).json()
    assert len(default["items"]) == len(seeded.post_ids) - 2  # 3 copies are one row by default
    res = client.get("/api/v1/items", headers=headers, params={"limit": 2})
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["next_cursor"]
    top = next(i for i in body["items"] if i["narrative"])
    assert top["id"] == seeded.cluster_post_id and top["narrative"]["copies"] == 3
    assert top["narrative"]["regions"] == ["15.71"] and top["timezone"] == "WIB"
    assert top["published_local"].endswith("+07:00")
    parts = top["priority_parts"]
    assert parts["score"] == 0.93 and parts["growth"] > 0 and parts["region_risk"] == 0
    rest = client.get(
        "/api/v1/items",
        headers=headers,
        params={"group": "cluster", "cursor": body["next_cursor"], "tz": "WIT"},
    ).json()
    assert {i["id"] for i in rest["items"]}.isdisjoint({i["id"] for i in body["items"]})
    assert all(i["published_local"].endswith("+09:00") for i in rest["items"])
    # A flat cursor is not a grouped one: a clear 400, not a wrong page.
    flat_cursor = client.get(
        "/api/v1/items", headers=headers, params={"limit": 1, "group": "none"}
    ).json()
    bad = client.get(
        "/api/v1/items",
        headers=headers,
        params={"group": "cluster", "cursor": flat_cursor["next_cursor"]},
    )
    assert bad.status_code == 400 and "next_cursor" in bad.json()["detail"]
    assert client.get("/api/v1/items", headers=headers, params={"tz": "UTC+7"}).status_code == 422


def test_folded_priority_parts_match_the_writers_parts(db: Session) -> None:
    seeded = seed(db)
    db.add(IkpScore(region_code="15.71", score=80.0))  # the cluster's copies are in 15.71
    db.flush()
    groups, _ = narratives.page(db, ADMIN, queue.ItemFilters())
    rows = desk_rows.grouped_rows(db, groups)
    # The writer's own reading (flows.priority), query by query, as the page did before.
    known = {g.cluster.id: g.cluster for g in groups if g.cluster is not None}
    expected = flow_priority.priority_parts(db, [r.id for r in rows], known=known)
    assert len(rows) == len(expected) == len(groups)
    for row in rows:
        want, got = expected[row.id], row.priority_parts
        assert got is not None
        assert got.score == round(want.score, 4)
        assert got.region_risk == round(flow_priority.REGION_WEIGHT * want.region_risk, 4)
        assert got.recency == pytest.approx(flow_priority.RECENCY_WEIGHT * want.recency, abs=1e-3)
    top = next(r for r in rows if r.id == seeded.cluster_post_id)
    assert top.priority_parts is not None and top.priority_parts.region_risk == 0.08


def test_grouped_plain_rows_serialise_exactly_as_the_models_do(db: Session) -> None:
    seed(db)
    groups, cursor = narratives.page(db, ADMIN, queue.ItemFilters(), limit=3)
    assert any(g.cluster_id for g in groups) and cursor
    for zone in (None, "WITA"):
        fast = _json_page(desk_rows.grouped_dicts(groups, zone), cursor).body
        model = QueuePage(items=desk_rows.grouped_rows(db, groups, zone), next_cursor=cursor)
        assert fast == model.model_dump_json().encode()
