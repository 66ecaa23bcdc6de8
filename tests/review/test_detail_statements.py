"""The item detail's SQL: one read of the post's regions, no payload, siblings as plain columns."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from monitor.core.runtime import Runtime
from tests.support.seeds.review import Seed, auth, seed


@pytest.fixture
def seeded(rt: Runtime) -> Seed:
    with rt.session() as s:
        return seed(s)


def _sent(rt: Runtime, client: TestClient, path: str, key: str) -> tuple[Any, list[str]]:
    sent: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(rt.engine, "before_cursor_execute", record)
    try:
        res = client.get(path, headers=auth(key))
    finally:
        event.remove(rt.engine, "before_cursor_execute", record)
    assert res.status_code == 200, res.text
    return res.json(), sent


@pytest.mark.parametrize("role", ["reviewer", "liaison"])
def test_the_detail_reads_regions_once_and_never_the_raw_payload(
    rt: Runtime, client: TestClient, seeded: Seed, role: str
) -> None:
    item = seeded.jambi[0]  # in the cross-province cluster, tagged 15.71
    body, sent = _sent(rt, client, f"/api/v1/items/{item}", seeded.keys[role])
    # The row's codes and the region details agree, from one read of post_regions.
    assert body["item"]["regions"] == [r["code"] for r in body["region_details"]] == ["15.71"]
    details = [s for s in sent if "FROM post_regions LEFT OUTER JOIN regions" in s]
    assert len(details) == 1
    assert not [s for s in sent if "post_regions.region_code FROM post_regions WHERE" in s]
    # The post's payload stays unread; siblings carry only what a sibling row shows.
    assert not [s for s in sent if "posts.raw" in s]
    siblings = [s for s in sent if "posts.id != " in s]
    assert len(siblings) == 1 and "posts.text" not in siblings[0]
    expected = {seeded.jakarta[0], seeded.jambi[1], seeded.jakarta[1]} - (
        {seeded.jakarta[0], seeded.jakarta[1]} if role == "liaison" else set()
    )
    assert {s["id"] for s in body["cluster"]["siblings"]} == expected
    assert set(body["cluster"]["siblings"][0]) == {
        "id",
        "platform",
        "url",
        "author",
        "fetched_at",
        "review_status",
    }


def test_the_detail_of_an_item_out_of_scope_is_still_404(client: TestClient, seeded: Seed) -> None:
    res = client.get(f"/api/v1/items/{seeded.jakarta[0]}", headers=auth(seeded.keys["liaison"]))
    assert res.status_code == 404
