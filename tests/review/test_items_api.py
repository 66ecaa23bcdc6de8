"""The queue API end to end through FastAPI on the real databases."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from monitor.audit import service as audit
from monitor.core.runtime import Runtime
from tests.support.seeds.review import Seed, add_post, auth, seed


@pytest.fixture
def seeded(rt: Runtime) -> Seed:
    with rt.session() as s:
        return seed(s)


def test_queue_lists_pages_and_filters(client: TestClient, seeded: Seed) -> None:
    h = auth(seeded.keys["reviewer"])
    res = client.get("/api/v1/items", headers=h, params={"limit": 5, "group": "none"})
    assert res.status_code == 200, res.text
    body = res.json()
    assert len(body["items"]) == 5 and body["next_cursor"]
    seen = [i["id"] for i in body["items"]]
    while body["next_cursor"]:
        body = client.get(
            "/api/v1/items",
            headers=h,
            params={"limit": 5, "group": "none", "cursor": body["next_cursor"]},
        ).json()
        seen += [i["id"] for i in body["items"]]
    assert sorted(seen) == sorted(seeded.jambi + seeded.jakarta)
    assert len(seen) == len(set(seen))

    hoax = client.get("/api/v1/items", headers=h, params={"label": "hoax", "group": "none"}).json()[
        "items"
    ]
    assert hoax and all("hoax" in i["labels"] for i in hoax)
    by_name = client.get(
        "/api/v1/items", headers=h, params={"region": "Jambi", "group": "none"}
    ).json()["items"]
    assert {i["id"] for i in by_name} == set(seeded.jambi)
    by_text = client.get(
        "/api/v1/items", headers=h, params={"q": "jakarta", "group": "none"}
    ).json()["items"]
    assert {i["id"] for i in by_text} == set(seeded.jakarta)
    cl = client.get(
        "/api/v1/items", headers=h, params={"cluster": seeded.cluster_id, "group": "none"}
    ).json()
    assert len(cl["items"]) == 4


def test_cursor_is_stable_under_concurrent_inserts(
    client: TestClient, seeded: Seed, rt: Runtime
) -> None:
    h = auth(seeded.keys["reviewer"])
    first = client.get(
        "/api/v1/items", headers=h, params={"limit": 4, "sort": "time", "group": "none"}
    ).json()
    with rt.session() as s:
        add_post(s, 999, "15.71", "hoax", "baru masuk", priority=0.99)
    seen = [i["id"] for i in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get(
            "/api/v1/items",
            headers=h,
            params={"limit": 4, "sort": "time", "group": "none", "cursor": cursor},
        ).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen))
    assert set(seeded.jambi + seeded.jakarta) <= set(seen)


def test_detail_claim_decide_and_audit(client: TestClient, seeded: Seed, rt: Runtime) -> None:
    h = auth(seeded.keys["reviewer"])
    item = seeded.jambi[3]
    detail = client.get(f"/api/v1/items/{item}", headers=h).json()
    assert detail["predictions"][0]["model_version"] == "m1"
    assert detail["debunk"]["url"] == "https://cek.id/1"
    assert detail["region_details"][0]["name"] == "Kota Jambi"

    assert client.post(f"/api/v1/items/{item}/claim", headers=h).status_code == 200
    other = auth(seeded.keys["reviewer2"])
    blocked = client.post(f"/api/v1/items/{item}/claim", headers=other)
    assert blocked.status_code == 409 and "diklaim oleh" in blocked.json()["detail"]
    assert (
        client.post(
            f"/api/v1/items/{item}/decision", headers=other, json={"action": "confirm"}
        ).status_code
        == 409
    )
    res = client.post(
        f"/api/v1/items/{item}/decision",
        headers=h,
        json={"action": "confirm", "labels": ["hoax", "money_politics"]},
    )
    assert res.status_code == 200, res.text
    assert res.json()["status"] == "confirmed"
    again = client.post(
        f"/api/v1/items/{item}/decision", headers=other, json={"action": "dismiss", "reason": "x"}
    )
    assert again.status_code == 409 and "Dikonfirmasi" in again.json()["detail"]
    changed = client.post(
        f"/api/v1/items/{item}/decision",
        headers=other,
        json={"action": "dismiss", "reason": "satire", "expected_status": "confirmed"},
    )
    assert changed.status_code == 200
    history = client.get(f"/api/v1/items/{item}", headers=h).json()["reviews"]
    assert [r["decision"] for r in history] == ["confirm", "dismiss"]
    assert history[0]["superseded"] is True

    case = client.get(f"/api/v1/items/{item}/casefile", headers=h).json()
    actions = [e["action"] for e in case["audit_events"]]
    assert actions == ["review.claim", "review.decide", "review.decide"]
    assert case["post"]["raw"] == {"n": 3} and len(case["sha256"]) == 64
    with rt.session() as s:
        assert audit.verify(s).ok


def test_cluster_decision_inherits_and_reverts(
    client: TestClient, seeded: Seed, rt: Runtime
) -> None:
    h = auth(seeded.keys["admin"])
    res = client.post(
        f"/api/v1/items/{seeded.jambi[0]}/decision",
        headers=h,
        json={"action": "escalate", "target": "bawaslu", "note": "n", "apply_to_cluster": True},
    )
    assert res.status_code == 200, res.text
    assert res.json()["cluster_applied"] == 3
    sib = client.get(f"/api/v1/items/{seeded.jakarta[1]}", headers=h).json()
    assert sib["item"]["review_status"] == "escalated"
    assert sib["reviews"][-1]["inherited_from_review_id"] == res.json()["review"]["id"]
    assert (
        client.get(f"/api/v1/clusters/{seeded.cluster_id}", headers=h).json()["cluster"]["decision"]
        == "escalate"
    )
    rev = client.delete(f"/api/v1/clusters/{seeded.cluster_id}/decision", headers=h)
    assert rev.status_code == 200 and rev.json() == {"reverted": 3}
    sib = client.get(f"/api/v1/items/{seeded.jakarta[1]}", headers=h).json()
    assert sib["item"]["review_status"] == "new"
    own = client.get(f"/api/v1/items/{seeded.jambi[0]}", headers=h).json()
    assert own["item"]["review_status"] == "escalated"


def test_bulk_decisions_report_per_item(client: TestClient, seeded: Seed) -> None:
    h = auth(seeded.keys["reviewer"])
    body = {
        "decisions": [
            {"id": seeded.jambi[4], "action": "confirm"},
            {"id": 2_000_000, "action": "confirm"},
            {"id": seeded.jambi[4], "action": "confirm"},
            {"id": seeded.jambi[5], "action": "dismiss", "reason": "iklan"},
        ]
    }
    res = client.post("/api/v1/items/decisions", headers=h, json=body)
    assert res.status_code == 200, res.text
    assert [r["status"] for r in res.json()["results"]] == [200, 404, 409, 200]
    assert res.json()["succeeded"] == 2


def test_exports_stream_csv_jsonl_and_labels(client: TestClient, seeded: Seed) -> None:
    h = auth(seeded.keys["admin"])
    res = client.get("/api/v1/export/items.csv", headers=h, params={"region": "31"})
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(res.text)))
    assert {int(r["id"]) for r in rows} == set(seeded.jakarta)
    lines = client.get("/api/v1/export/items.jsonl", headers=h).text.splitlines()
    assert len(lines) == 12 and json.loads(lines[0])["regions"]
    client.post(
        f"/api/v1/items/{seeded.jambi[1]}/decision",
        headers=h,
        json={"action": "confirm", "labels": ["hoax"]},
    )
    researcher = auth(seeded.keys["researcher"])
    labels = client.get("/api/v1/export/labels.jsonl", headers=researcher).text.splitlines()
    assert len(labels) == 1
    record = json.loads(labels[0])
    assert record["labels"] == ["hoax"] and record["decision"] == "confirm"
    assert (
        client.get("/api/v1/export/labels.jsonl", headers=auth(seeded.keys["reviewer"])).status_code
        == 403
    )


def test_stats_and_roles(client: TestClient, seeded: Seed) -> None:
    h = auth(seeded.keys["reviewer"])
    client.post(f"/api/v1/items/{seeded.jambi[2]}/decision", headers=h, json={"action": "confirm"})
    stats = client.get("/api/v1/stats", headers=h).json()
    assert stats["queue_total"] == 11 and stats["reviewed_today"] == 1
    assert sum(stats["queue_by_label"].values()) == 11
    assert stats["median_seconds_to_decision"] is not None
    researcher = auth(seeded.keys["researcher"])
    denied = client.post(f"/api/v1/items/{seeded.jambi[2]}/claim", headers=researcher)
    assert denied.status_code == 403
    assert denied.headers["content-type"].startswith("application/problem+json")
