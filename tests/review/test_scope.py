"""A liaison key for province 15 cannot read, count, export or infer province 31's items."""

from __future__ import annotations

import base64
import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from monitor.core.runtime import Runtime
from tests.support.seeds.review import Seed, auth, seed


@pytest.fixture
def seeded(rt: Runtime) -> Seed:
    with rt.session() as s:
        return seed(s)


def _ids(res) -> set[int]:  # type: ignore[no-untyped-def]
    assert res.status_code == 200, res.text
    return {i["id"] for i in res.json()["items"]}


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"region": "31"},
        {"region": "31.71"},
        {"region": "DKI Jakarta"},
        {"region": "jakarta pusat"},
        {"region": ["15", "31"]},
        {"q": "jakarta"},
        {"sort": "time"},
        {"status": "new"},
        {"label": "hoax"},
        {"min_score": 0, "max_score": 1},
    ],
)
def test_queue_never_shows_other_province(
    client: TestClient, seeded: Seed, params: dict[str, object]
) -> None:
    h = auth(seeded.keys["liaison"])
    ids = _ids(client.get("/api/v1/items", headers=h, params=params))
    assert ids <= set(seeded.jambi)
    assert not ids & set(seeded.jakarta)


def test_cluster_filter_and_crafted_cursor_stay_in_scope(client: TestClient, seeded: Seed) -> None:
    h = auth(seeded.keys["liaison"])
    ids = _ids(
        client.get(
            "/api/v1/items", headers=h, params={"cluster": seeded.cluster_id, "group": "none"}
        )
    )
    assert ids == set(seeded.jambi[:2])
    # A hand-made cursor positioned on a Jakarta item only moves the window.
    top = max(seeded.jakarta)
    raw = json.dumps({"s": "priority", "k": 1.0, "i": top + 1}).encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    ids = _ids(
        client.get(
            "/api/v1/items", headers=h, params={"cursor": cursor, "limit": 200, "group": "none"}
        )
    )
    assert ids and not ids & set(seeded.jakarta)


def test_single_items_answer_exactly_like_missing_ones(client: TestClient, seeded: Seed) -> None:
    h = auth(seeded.keys["liaison"])
    other = seeded.jakarta[0]
    missing = 2_000_000_000
    for path in ("/api/v1/items/{}", "/api/v1/items/{}/casefile"):
        hidden = client.get(path.format(other), headers=h)
        absent = client.get(path.format(missing), headers=h)
        assert hidden.status_code == absent.status_code == 404
        assert hidden.json() == absent.json()
        assert set(hidden.headers) - {"x-request-id"} == set(absent.headers) - {"x-request-id"}
    own = client.get(f"/api/v1/items/{seeded.jambi[0]}", headers=h)
    assert own.status_code == 200
    cluster = own.json()["cluster"]
    # The shared cluster shows only Jambi copies, and no totals that count Jakarta.
    assert cluster["size"] == 2
    assert {s["id"] for s in cluster["siblings"]} == {seeded.jambi[1]}


def test_liaison_cannot_act_on_items(client: TestClient, seeded: Seed) -> None:
    h = auth(seeded.keys["liaison"])
    for item in (seeded.jambi[0], seeded.jakarta[0]):
        assert client.post(f"/api/v1/items/{item}/claim", headers=h).status_code == 403
        res = client.post(f"/api/v1/items/{item}/decision", headers=h, json={"action": "confirm"})
        assert res.status_code == 403
    assert client.get("/api/v1/export/labels.jsonl", headers=h).status_code == 403


def test_exports_and_counts_are_scoped(client: TestClient, seeded: Seed) -> None:
    h = auth(seeded.keys["liaison"])
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/export/items.csv", headers=h).text)))
    assert {int(r["id"]) for r in rows} == set(seeded.jambi)
    lines = client.get(
        "/api/v1/export/items.jsonl", headers=h, params={"region": "DKI Jakarta"}
    ).text.splitlines()
    assert lines == []
    stats = client.get("/api/v1/stats", headers=h).json()
    assert stats["queue_total"] == len(seeded.jambi)
    assert sum(stats["queue_by_label"].values()) == len(seeded.jambi)


def test_clusters_are_scoped(client: TestClient, seeded: Seed) -> None:
    h = auth(seeded.keys["liaison"])
    listed = client.get("/api/v1/clusters", headers=h).json()["clusters"]
    assert [c["id"] for c in listed] == [seeded.cluster_id]
    assert listed[0]["size"] == 2 and listed[0]["n_regions"] is None
    detail = client.get(f"/api/v1/clusters/{seeded.cluster_id}", headers=h).json()
    assert {i["id"] for i in detail["items"]} == set(seeded.jambi[:2])
    admin = client.get("/api/v1/clusters", headers=auth(seeded.keys["admin"])).json()
    assert admin["clusters"][0]["size"] == 4 and admin["clusters"][0]["n_regions"] == 2


def test_liaison_for_jakarta_only_does_not_see_jambi_cluster_copies(
    client: TestClient, seeded: Seed, rt: Runtime
) -> None:
    from monitor.keys import service as keys

    with rt.session() as s:
        _, plain = keys.create_key(s, "jkt", "liaison", ["31.71"])
    ids = _ids(client.get("/api/v1/items", headers=auth(plain), params={"group": "none"}))
    assert ids == set(seeded.jakarta)
    # Grouped (the default), no Jambi copy leads or joins a row either.
    grouped = _ids(client.get("/api/v1/items", headers=auth(plain)))
    assert grouped and grouped <= set(seeded.jakarta)
