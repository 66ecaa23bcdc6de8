"""A liaison key for Jambi (15) learns nothing about Jakarta (31) from any endpoint.

Jakarta's posts, cluster and alert carry the word "jakarta" and region codes starting
"31"; every response a liaison can get (lists, details, counts, exports, region figures,
alerts, error messages) is searched for those markers. Hidden ids answer exactly like
missing ones (404, same body, same headers), so existence cannot be inferred.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from monitor.alerts.models import Alert
from monitor.clusters.models import Cluster
from monitor.core.base import utcnow
from monitor.core.runtime import Runtime
from monitor.posts.models import Post
from tests.support.seeds.review import Seed, auth, seed

MISSING = 2_000_000_000


class World:
    """The seed plus a Jakarta-only cluster and one alert per province."""

    def __init__(self, s: Seed, jakarta_cluster: int, alerts: dict[str, int]) -> None:
        self.seed = s
        self.jakarta_cluster = jakarta_cluster
        self.alerts = alerts


@pytest.fixture
def world(rt: Runtime) -> World:
    with rt.session() as s:
        seeded = seed(s)
        only_jakarta = Cluster(size=2, n_regions=1, n_sources=1, n_accounts=2, growth_rate=3.0)
        s.add(only_jakarta)
        s.flush()
        s.execute(
            update(Post).where(Post.id.in_(seeded.jakarta[4:6])).values(cluster_id=only_jakarta.id)
        )
        now = utcnow()
        alerts = {}
        for code, place in (("15", "Jambi"), ("31", "Jakarta")):
            alert = Alert(
                rule="volume_spike",
                region_code=code,
                label="hoax",
                dedup_key=f"spike-{code}",
                window_start=now - timedelta(hours=1),
                window_end=now,
                summary=f"Lonjakan hoaks di {place}",
                payload={"region": code},
            )
            s.add(alert)
            s.flush()
            alerts[code] = alert.id
        return World(seeded, only_jakarta.id, alerts)


pytestmark = pytest.mark.client(unlimited=True)


def _clean(body: str) -> None:
    """No Jakarta text, region code or post id in a response body."""
    assert "jakarta" not in body.lower(), body[:500]
    assert '"31' not in body and ",31" not in body, body[:500]


def _same_404(
    client: TestClient, h: dict[str, str], hidden: str, absent: str, ids: tuple[str, str]
) -> None:
    a, b = client.get(hidden, headers=h), client.get(absent, headers=h)
    assert a.status_code == b.status_code == 404, (a.text, b.text)
    assert a.headers["content-type"] == b.headers["content-type"] == "application/problem+json"
    strip = {"x-request-id", "content-length"}
    assert set(a.headers) - strip == set(b.headers) - strip
    body_a, body_b = a.json(), b.json()
    # Only the id the caller typed may differ.
    assert body_a["title"] == body_b["title"] and body_a["status"] == body_b["status"]
    assert body_a.get("detail", "").replace(ids[0], "?") == body_b.get("detail", "").replace(
        ids[1], "?"
    )


LIST_PARAMS: list[dict[str, object]] = [
    {},
    {"status": "new"},
    {"region": "31"},
    {"region": "Jakarta"},
    {"region": ["15", "31.71"]},
    {"q": "jakarta"},
    {"q": "amplop"},
    {"platform": "rss"},
    {"since": "2000-01-01T00:00:00Z"},
    {"sort": "time", "limit": 200},
    {"mix": "uncertain", "explore": 1},
]


def test_the_markers_are_there_for_an_unrestricted_key(client: TestClient, world: World) -> None:
    """Guard against a vacuous check: an admin does see Jakarta's markers."""
    h = auth(world.seed.keys["admin"])
    for path in ("/api/v1/items", "/api/v1/alerts", "/api/v1/export/items.jsonl"):
        body = client.get(path, headers=h).text
        with pytest.raises(AssertionError):
            _clean(body)


def test_every_list_count_and_export_is_clean(client: TestClient, world: World) -> None:
    s = world.seed
    h = auth(s.keys["liaison"])
    for params in LIST_PARAMS:
        res = client.get("/api/v1/items", headers=h, params=params)
        assert res.status_code == 200, (params, res.text)
        _clean(res.text)
        assert {i["id"] for i in res.json()["items"]} <= set(s.jambi)
        for path in ("/api/v1/export/items.csv", "/api/v1/export/items.jsonl"):
            exported = client.get(path, headers=h, params=params)
            assert exported.status_code == 200, exported.text
            _clean(exported.text)
    # The Jakarta-only cluster filters to nothing, like a cluster that does not exist.
    for cluster in (world.jakarta_cluster, MISSING):
        res = client.get("/api/v1/items", headers=h, params={"cluster": cluster})
        assert res.json() == {"items": [], "next_cursor": None}
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/export/items.csv", headers=h).text)))
    assert sorted(int(r["id"]) for r in rows) == sorted(s.jambi)

    stats = client.get("/api/v1/stats", headers=h)
    _clean(stats.text)
    assert stats.json()["queue_total"] == len(s.jambi)

    clusters = client.get("/api/v1/clusters", headers=h)
    _clean(clusters.text)
    assert [c["id"] for c in clusters.json()["clusters"]] == [s.cluster_id]

    regions = client.get("/api/v1/regions", headers=h)
    assert regions.status_code == 200
    _clean(regions.text)
    assert all(r["code"].startswith("15") for r in regions.json()["regions"])

    alerts = client.get("/api/v1/alerts", headers=h)
    _clean(alerts.text)
    assert [a["id"] for a in alerts.json()["alerts"]] == [world.alerts["15"]]
    assert client.get("/api/v1/alerts", headers=h, params={"region": "31"}).json()["alerts"] == []


def test_hidden_ids_answer_like_missing_ones(client: TestClient, world: World) -> None:
    s = world.seed
    h = auth(s.keys["liaison"])
    for pattern, hidden_id, absent_id in [
        ("/api/v1/items/{}", s.jakarta[0], MISSING),
        ("/api/v1/items/{}/casefile", s.jakarta[0], MISSING),
        ("/api/v1/clusters/{}", world.jakarta_cluster, MISSING),
        ("/api/v1/regions/{}/summary", "31", "99"),
        ("/api/v1/regions/{}/summary", "31.71", "99.71"),
    ]:
        ids = (str(hidden_id), str(absent_id))
        _same_404(client, h, pattern.format(hidden_id), pattern.format(absent_id), ids)
    for action in ("acknowledge", "resolve"):
        hidden = client.post(f"/api/v1/alerts/{world.alerts['31']}/{action}", headers=h)
        absent = client.post(f"/api/v1/alerts/{MISSING}/{action}", headers=h)
        assert hidden.status_code == absent.status_code == 404
        _clean(hidden.text)
    # The shared cluster and Jambi's own summary show Jambi's share only.
    shared = client.get(f"/api/v1/clusters/{s.cluster_id}", headers=h)
    _clean(shared.text)
    assert shared.json()["cluster"]["size"] == 2
    assert {i["id"] for i in shared.json()["items"]} == set(s.jambi[:2])
    summary = client.get("/api/v1/regions/15/summary", headers=h)
    assert summary.status_code == 200
    _clean(summary.text)
    own = client.get(f"/api/v1/items/{s.jambi[0]}", headers=h)
    _clean(own.text)
    casefile = client.get(f"/api/v1/items/{s.jambi[0]}/casefile", headers=h)
    assert casefile.status_code == 200
    _clean(json.dumps(casefile.json()))


def test_refusals_do_not_depend_on_the_target(client: TestClient, world: World) -> None:
    """A liaison's forbidden actions answer the same for its own and for hidden items."""
    s = world.seed
    h = auth(s.keys["liaison"])
    for path, body in [
        ("/api/v1/items/{}/claim", None),
        ("/api/v1/items/{}/decision", {"action": "confirm"}),
    ]:
        mine = client.post(path.format(s.jambi[0]), headers=h, json=body)
        theirs = client.post(path.format(s.jakarta[0]), headers=h, json=body)
        absent = client.post(path.format(MISSING), headers=h, json=body)
        assert mine.status_code == theirs.status_code == absent.status_code == 403
        assert mine.json() == theirs.json() == absent.json()
    for path in ("/api/v1/export/labels.jsonl", "/api/v1/sources"):
        res = client.get(path, headers=h)
        assert res.status_code == 403
        _clean(res.text)
