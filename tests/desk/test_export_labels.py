"""Item exports count the reviewer's labels where one decided, and say whose labels they are."""

from __future__ import annotations

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


def _decide(client: TestClient, seeded: Seed, item: int, body: dict[str, object]) -> None:
    res = client.post(
        f"/api/v1/items/{item}/decision", headers=auth(seeded.keys["admin"]), json=body
    )
    assert res.status_code == 200, res.text


def test_item_exports_use_reviewer_labels_and_name_their_source(
    client: TestClient, seeded: Seed
) -> None:
    relabelled, dismissed, untouched = seeded.jambi[2], seeded.jambi[3], seeded.jambi[4]
    # The model said black_campaign; the reviewer confirms it as money politics.
    _decide(client, seeded, relabelled, {"action": "confirm", "labels": ["money_politics"]})
    _decide(client, seeded, dismissed, {"action": "dismiss", "reason": "iklan"})
    # A later relabel supersedes the first decision: only the standing review counts.
    _decide(
        client,
        seeded,
        relabelled,
        {"action": "confirm", "labels": ["money_politics", "hoax"], "expected_status": "confirmed"},
    )
    h = auth(seeded.keys["admin"])
    params = {"region": "15", "status": ["new", "confirmed", "dismissed"]}
    lines = client.get("/api/v1/export/items.jsonl", headers=h, params=params).text.splitlines()
    by_id = {r["id"]: r for r in map(json.loads, lines)}
    assert {relabelled, dismissed, untouched} <= set(by_id)
    r = by_id[relabelled]
    assert sorted(r["labels"]) == ["hoax", "money_politics"] and r["label_source"] == "reviewer"
    assert r["model_labels"] == ["black_campaign"]
    d = by_id[dismissed]
    assert (d["labels"], d["label_source"], d["model_labels"]) == (
        [],
        "reviewer",
        ["identity_politics"],
    )
    u = by_id[untouched]
    assert (u["labels"], u["label_source"], u["model_labels"]) == (["hoax"], "model", ["hoax"])

    res = client.get("/api/v1/export/items.csv", headers=h, params=params)
    rows = {int(row["id"]): row for row in csv.DictReader(io.StringIO(res.text))}
    assert sorted(rows[relabelled]["labels"].split("|")) == ["hoax", "money_politics"]
    assert rows[relabelled]["label_source"] == "reviewer"
    assert rows[relabelled]["model_labels"] == "black_campaign"
    assert (rows[dismissed]["labels"], rows[dismissed]["label_source"]) == ("", "reviewer")
    assert (rows[untouched]["labels"], rows[untouched]["label_source"]) == ("hoax", "model")
