"""Issue 13, finding 2: cluster figures a liaison sees count only the copies in their regions.

One cluster of 11 copies: 1 in Jambi (15.71) and 10 in Jakarta spread over 5 regions (31.*),
so the whole cluster has size 11 and 6 regions. A Jambi liaison walks every endpoint and
alert kind that shows a cluster figure and must see size 1, 1 region, growth 0.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from monitor.alerts import service as alerts
from monitor.alerts.models import Alert
from monitor.alerts.rules import RuleConfig
from monitor.alerts.service import message_for
from monitor.clusters.models import Cluster
from monitor.clusters.service import refresh_stats
from monitor.core.base import utcnow
from monitor.core.runtime import Runtime
from monitor.regions.models import Region
from tests.support.seeds.review import add_post, auth, seed

JAKARTA_REGIONS = ["31.71", "31.72", "31.73", "31.74", "31.75"]


@pytest.fixture
def world(rt: Runtime) -> tuple[dict[str, str], int, int]:
    with rt.session() as s:
        seeded = seed(s)
        for code in JAKARTA_REGIONS[1:]:
            s.add(Region(code=code, name=f"Kota {code}", level="city", parent_code="31"))
        cluster = Cluster(size=0, n_regions=0, n_sources=0, n_accounts=0, growth_rate=0.0)
        s.add(cluster)
        s.flush()
        jambi = add_post(s, 40, "15.71", "hoax", "surat suara dicoblos jambi", cluster.id)
        for i in range(10):
            region = JAKARTA_REGIONS[i % 5]
            add_post(s, 41 + i, region, "hoax", f"surat suara dicoblos {i}", cluster.id)
        refresh_stats(s, cluster)
        assert (cluster.size, cluster.n_regions) == (11, 6)  # the whole cluster
        return seeded.keys, cluster.id, jambi.id


pytestmark = pytest.mark.client(unlimited=True)


def _no_whole_cluster_figures(blob: object) -> None:
    text = json.dumps(blob)
    for whole in ('"size": 11', '"n_regions": 6', "11 copies", "6 regions"):
        assert whole not in text, text[:600]


def test_region_summary_counts_only_copies_in_scope(
    client: TestClient, world: tuple[dict[str, str], int, int]
) -> None:
    keys, cid, _ = world
    res = client.get("/api/v1/regions/15/summary", headers=auth(keys["liaison"]))
    assert res.status_code == 200
    mine = [c for c in res.json()["top_clusters"] if c["id"] == cid]
    assert mine == [{"id": cid, "size": 1, "growth_rate": 0.0, "n_regions": 1, "flagged": 1}]
    _no_whole_cluster_figures(res.json())
    # An admin still sees the whole cluster.
    admin = client.get("/api/v1/regions/15/summary", headers=auth(keys["admin"])).json()
    assert [c["size"] for c in admin["top_clusters"] if c["id"] == cid] == [11]


def test_cluster_and_item_views_count_only_copies_in_scope(
    client: TestClient, world: tuple[dict[str, str], int, int]
) -> None:
    keys, cid, jambi_post = world
    h = auth(keys["liaison"])
    listed = [c for c in client.get("/api/v1/clusters", headers=h).json()["clusters"]]
    assert [c["size"] for c in listed if c["id"] == cid] == [1]
    detail = client.get(f"/api/v1/clusters/{cid}", headers=h).json()
    assert detail["cluster"]["size"] == 1
    item = client.get(f"/api/v1/items/{jambi_post}", headers=h).json()
    casefile = client.get(f"/api/v1/items/{jambi_post}/casefile", headers=h).json()
    for blob in (listed, detail, item, casefile):
        _no_whole_cluster_figures(blob)


def test_every_alert_kind_counts_only_copies_in_its_province(
    rt: Runtime, client: TestClient, world: tuple[dict[str, str], int, int]
) -> None:
    keys, cid, _ = world
    cfg = RuleConfig(cluster_rate=1.0, cluster_regions=5, min_count=1)
    with rt.session() as s:
        alerts.evaluate(s, utcnow() + timedelta(minutes=1), cfg)
    with rt.session() as s:
        spread = s.scalars(select(Alert).where(Alert.rule == "cluster_spread")).all()
        by_region = {a.region_code: a for a in spread if a.payload["cluster_id"] == cid}
        assert set(by_region) == {"15", "31"}  # raised once per province it touched
        jambi = by_region["15"]
        assert (jambi.payload["size"], jambi.payload["n_regions"]) == (1, 1)
        assert jambi.payload["growth_rate"] == 0.0
        assert by_region["31"].payload["size"] == 10 and by_region["31"].payload["n_regions"] == 5
        message = message_for(jambi)  # what webhooks, Telegram and e-mail receive
        _no_whole_cluster_figures({"p": message.payload, "t": message.text, "s": message.subject})
    res = client.get("/api/v1/alerts", headers=auth(keys["liaison"]))
    assert res.status_code == 200
    seen = res.json()["alerts"]
    assert {a["rule"] for a in seen} >= {"cluster_spread"}
    assert all(a["region_code"].startswith("15") for a in seen)
    for a in seen:
        one = client.get(f"/api/v1/alerts/{a['id']}", headers=auth(keys["liaison"]))
        _no_whole_cluster_figures(one.json() if one.status_code == 200 else {})
    _no_whole_cluster_figures(seen)
