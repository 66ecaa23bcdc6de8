"""The uncertainty mix: borderline and disputed items interleaved with the queue order."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from monitor.core.runtime import Runtime
from tests.support.seeds.mix import Mixed, seed_mix
from tests.support.seeds.review import auth


@pytest.fixture
def mixed(rt: Runtime) -> Mixed:
    with rt.session() as s:
        return seed_mix(s)


def _page(client: TestClient, key: str, **params: object) -> dict[str, object]:
    res = client.get("/api/v1/items", headers=auth(key), params=params)
    assert res.status_code == 200, res.text
    body: dict[str, object] = res.json()
    return body


def test_plain_queue_marks_every_row_as_order(client: TestClient, mixed: Mixed) -> None:
    body = _page(client, mixed.keys["reviewer"], limit=50)
    items = body["items"]
    assert isinstance(items, list)
    assert {i["why_in_queue"] for i in items} == {"order"}
    ids = {i["id"] for i in items}
    assert mixed.uncertain[2] not in ids and mixed.far_unflagged not in ids  # unflagged


def test_mix_interleaves_disputed_then_nearest_threshold(client: TestClient, mixed: Mixed) -> None:
    body = _page(client, mixed.keys["reviewer"], mix="uncertain", explore=0.5, limit=6)
    items = body["items"]
    assert isinstance(items, list)
    whys = [i["why_in_queue"] for i in items]
    # Every other slot explores; disagreements come first, then the smallest distance.
    assert whys == ["order", "disagree", "order", "uncertain", "order", "uncertain"]
    explored = [i["id"] for i in items if i["why_in_queue"] != "order"]
    assert explored == [mixed.disagree, *mixed.uncertain[:2]]
    assert [i["uncertainty"] for i in items[3::2]] == pytest.approx([0.02, 0.03])
    assert items[1]["uncertainty"] is None
    assert [i["id"] for i in items[::2]] == mixed.order[:3]


def test_paging_the_mix_shows_every_item_exactly_once(client: TestClient, mixed: Mixed) -> None:
    seen: list[int] = []
    whys: dict[int, str] = {}
    cursor = None
    for _ in range(20):
        params: dict[str, object] = {"mix": "uncertain", "explore": 0.25, "limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = _page(client, mixed.keys["reviewer"], **params)
        for item in body["items"]:  # type: ignore[attr-defined]
            seen.append(item["id"])
            whys[item["id"]] = item["why_in_queue"]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert cursor is None
    assert len(seen) == len(set(seen))
    assert set(seen) == {*mixed.order, *mixed.uncertain, mixed.disagree, mixed.jakarta_borderline}
    assert mixed.far_unflagged not in seen
    assert {whys[i] for i in mixed.uncertain} == {"uncertain"}
    assert whys[mixed.disagree] == "disagree"


def test_mix_respects_filters_and_region_scope(client: TestClient, mixed: Mixed) -> None:
    body = _page(client, mixed.keys["reviewer"], mix="uncertain", explore=1, limit=50)
    ids = {i["id"] for i in body["items"]}  # type: ignore[attr-defined]
    assert mixed.jakarta_borderline in ids  # unrestricted reviewer sees Jakarta
    liaison = _page(client, mixed.keys["liaison"], mix="uncertain", explore=1, limit=50)
    ids = {i["id"] for i in liaison["items"]}  # type: ignore[attr-defined]
    assert mixed.jakarta_borderline not in ids and mixed.uncertain[0] in ids
    by_label = _page(
        client, mixed.keys["reviewer"], mix="uncertain", explore=1, label="money_politics"
    )
    explored = [i["id"] for i in by_label["items"] if i["why_in_queue"] != "order"]  # type: ignore[attr-defined]
    assert explored == [mixed.uncertain[1]]
    narrow = _page(client, mixed.keys["reviewer"], mix="uncertain", explore=1, band=0.025)
    explored = [i["id"] for i in narrow["items"] if i["why_in_queue"] != "order"]  # type: ignore[attr-defined]
    assert explored[:2] == [mixed.disagree, mixed.uncertain[0]]
    assert mixed.uncertain[2] not in explored


def test_mix_cursor_and_parameters_are_checked(client: TestClient, mixed: Mixed) -> None:
    h = auth(mixed.keys["reviewer"])
    first = _page(client, mixed.keys["reviewer"], mix="uncertain", limit=2)
    cursor = first["next_cursor"]
    assert isinstance(cursor, str)
    for params in (
        {"mix": "uncertain", "cursor": cursor, "explore": 0.5},  # another mix
        {"mix": "uncertain", "cursor": cursor, "sort": "time"},  # another sort
        {"mix": "uncertain", "cursor": "bm90LWpzb24"},
    ):
        res = client.get("/api/v1/items", headers=h, params=params)
        assert res.status_code == 400, res.text
        assert res.headers["content-type"].startswith("application/problem+json")
    bad: list[dict[str, object]] = [{"mix": "random"}, {"explore": 2}, {"band": 0}, {"band": 0.9}]
    for wrong in bad:
        assert client.get("/api/v1/items", headers=h, params=wrong).status_code == 422


def test_openapi_documents_the_mix(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    params = {p["name"]: p for p in spec["paths"]["/api/v1/items"]["get"]["parameters"]}
    assert params["mix"]["schema"]["enum"] == ["none", "uncertain"]
    assert "explore" in params and "band" in params
    summary = spec["components"]["schemas"]["ItemSummary"]["properties"]
    assert summary["why_in_queue"]["enum"] == ["order", "uncertain", "disagree"]
