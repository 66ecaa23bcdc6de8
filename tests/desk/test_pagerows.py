"""Queue rows from Core rows: snippet cut in SQL, regions, live claims only, fresh key checks."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from api.items.endpoints import _json_page
from monitor.core.base import utcnow
from monitor.core.runtime import Runtime
from monitor.desk import narratives, pagerows, queue
from monitor.desk.schemas import QueuePage
from monitor.desk.views import SNIPPET_CHARS
from monitor.keys import service as keys
from monitor.keys.principal import Principal
from monitor.posts.models import Post, PostRegion
from monitor.regions.models import Region
from monitor.reviews.models import Claim
from tests.support.client import app_client
from tests.support.posts import make_post

ADMIN = Principal(key_id=None, name="t", role="admin")


def _post(session: Session, i: int, text: str, priority: float) -> Post:
    now = utcnow()
    post = make_post(
        session,
        text,
        platform="telegram",
        external_id=f"rows-{i}",
        fetched_at=now - timedelta(minutes=i),
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        flagged=True,
        labels=["hoax"],
        max_score=priority,
        priority=priority,
        review_status="new",
    )
    return post


def _seed(session: Session) -> dict[str, int]:
    for code, name, level, parent in (
        ("15", "Jambi", "province", None),
        ("15.71", "Kota Jambi", "city", "15"),
        ("32", "Jawa Barat", "province", None),
        ("32.73", "Kota Bandung", "city", "32"),
    ):
        if session.get(Region, code) is None:
            session.add(Region(code=code, name=name, level=level, parent_code=parent))
    session.flush()
    # Multi-byte letters: the cut in SQL must count characters, not bytes.
    long = _post(session, 1, "é" * (SNIPPET_CHARS + 300), 0.9)
    exact = _post(session, 2, "ü" * SNIPPET_CHARS, 0.8)
    hostile = _post(session, 3, "<script>alert(1)</script>'; DROP TABLE posts; --", 0.7)
    for code in ("32.73", "15.71"):  # stored out of order
        province = code.split(".")[0]
        session.add(
            PostRegion(
                post_id=long.id,
                region_code=code,
                province_code=province,
                origin="text",
                evidence="x",
            )
        )
    claimer, _ = keys.create_key(session, "claimer", "reviewer")
    key_id = claimer.id
    now = utcnow()
    session.add(Claim(post_id=long.id, key_id=key_id, expires_at=now + timedelta(minutes=5)))
    session.add(Claim(post_id=exact.id, key_id=key_id, expires_at=now - timedelta(minutes=5)))
    session.flush()
    return {"long": long.id, "exact": exact.id, "hostile": hostile.id, "key_id": key_id}


def test_rows_cut_the_snippet_by_characters_and_show_only_live_claims(db: Session) -> None:
    ids = _seed(db)
    rows, cursor = pagerows.flat_page(db, ADMIN, queue.ItemFilters(statuses=("new",)))
    assert cursor is None
    by_id = {r.id: r for r in rows}
    long, exact, hostile = by_id[ids["long"]], by_id[ids["exact"]], by_id[ids["hostile"]]
    assert long.text == "é" * SNIPPET_CHARS and long.text_truncated
    assert exact.text == "ü" * SNIPPET_CHARS and not exact.text_truncated
    assert hostile.text.startswith("<script>") and not hostile.text_truncated
    assert long.regions == ["15.71", "32.73"] and exact.regions == []
    assert long.claim is not None and long.claim.claimed_by == "claimer"
    assert exact.claim is None  # expired
    # Same rows by id (the uncertainty mix) and as a narrative's copies.
    again = pagerows.by_ids(db, [ids["hostile"], ids["long"], 2**31 - 1])
    assert [r.id for r in again] == [ids["hostile"], ids["long"]]
    groups, _ = narratives.page(db, ADMIN, queue.ItemFilters(statuses=("new",)))
    assert [g.top.id for g in groups] == [r.id for r in rows]


def test_a_revoked_key_is_refused_on_the_very_next_request(rt: Runtime) -> None:
    with rt.session() as s:
        _seed(s)
        key, plaintext = keys.create_key(s, "soon-revoked", "reviewer")
        key_id = key.id
    client = app_client(rt)
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert client.get("/api/v1/items", headers=headers).status_code == 200
    with rt.session() as s:
        keys.revoke_key(s, key_id)
    assert client.get("/api/v1/items", headers=headers).status_code == 401
    assert (
        client.get("/api/v1/items", headers=headers, params={"group": "cluster"}).status_code == 401
    )


def test_plain_rows_serialise_exactly_as_the_model_does(db: Session) -> None:
    ids = _seed(db)
    # A post with a publication time, microseconds, no score and a non-UTC local zone.
    post = db.get(Post, ids["hostile"])
    assert post is not None
    post.published_at = utcnow().replace(microsecond=123456) - timedelta(days=3)
    post.max_score = None
    post.labels = ["hoax", "money_politics"]
    db.add(
        PostRegion(
            post_id=post.id, region_code="15.71", province_code="15", origin="text", evidence="x"
        )
    )
    db.flush()
    rows, cursor = pagerows.flat_rows(db, ADMIN, queue.ItemFilters(statuses=("new",)), limit=2)
    assert cursor is not None
    for zone in (None, "WIT", "wita", "UTC"):  # lower case is accepted, an unknown zone ignored
        fast = _json_page(pagerows.page_dicts(rows, zone), cursor).body
        model = QueuePage(items=[pagerows.queue_row(r, zone) for r in rows], next_cursor=cursor)
        assert fast == model.model_dump_json().encode()
        assert [pagerows.row_dict(r, zone) for r in rows] == pagerows.page_dicts(rows, zone)
    # Twice through the region cache gives the same rows, and its lists are not shared.
    again = pagerows.page_dicts(rows)
    assert again == pagerows.page_dicts(rows)
    again[0]["regions"].append("99")
    assert "99" not in pagerows.page_dicts(rows)[0]["regions"]
    # A naive time is refused, as `localtime.to_local` does, not read as UTC by guess.
    naive = (*rows[0][:7], None, rows[0][8].replace(tzinfo=None), *rows[0][9:])
    with pytest.raises(ValueError, match="naive"):
        pagerows.page_dicts([naive])
    rest, _ = pagerows.flat_rows(db, ADMIN, queue.ItemFilters(statuses=("new",)), cursor=cursor)
    every = [*rows, *rest]
    assert {r.id for r in every} == {ids["long"], ids["exact"], ids["hostile"]}
    fast = _json_page([pagerows.row_dict(r) for r in every], None).body
    assert (
        fast
        == QueuePage(items=[pagerows.queue_row(r) for r in every], next_cursor=None)
        .model_dump_json()
        .encode()
    )
    assert b'"claim":{"claimed_by":"claimer","expires_at":"' in fast
