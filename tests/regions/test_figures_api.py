"""Region table, summary and province map show a burst in 15.07, within each caller's scope."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.regions.tiles import NO_DATA, PALETTE
from monitor.core.runtime import Runtime
from tests.alerts.seed import HotJambi, auth, hot_jambi

# One regions load per session (tests/conftest.py::regions_engine), not one per test.
pytestmark = pytest.mark.regions


def _world(rt: Runtime, confirmed: int = 0) -> HotJambi:
    with rt.session() as s:
        return hot_jambi(s, confirmed)


def _table(client: TestClient, key: str, **params: Any) -> list[dict[str, Any]]:
    res = client.get("/api/v1/regions", headers=auth(key), params=params)
    assert res.status_code == 200, res.text
    rows: list[dict[str, Any]] = res.json()["regions"]
    return rows


def _tile(html: str, code: str) -> str:
    match = re.search(rf'<g class="tile" data-code="{code}">(.*?)</g>', html, re.S)
    assert match, code
    return match.group(1)


def test_unreviewed_burst_tops_the_province_table_through_its_alert(
    rt: Runtime, client: TestClient
) -> None:
    w = _world(rt)
    rows = _table(client, w.keys["admin"], level="province")
    assert len(rows) == 38
    top = rows[0]
    assert (top["code"], top["rank"], top["flagged"], top["open_alerts"]) == ("15", 1, 15, 1)
    assert top["score"] == 0  # nothing confirmed yet: no score, but the alert ranks it
    dki = next(r for r in rows if r["code"] == "31")
    assert (dki["flagged"], dki["open_alerts"], dki["volume"]) == (1, 0, 26)


def test_confirmed_burst_scores_and_colours_jambi(rt: Runtime, client: TestClient) -> None:
    w = _world(rt, confirmed=5)
    rows = _table(client, w.keys["admin"], level="province")
    assert rows[0]["code"] == "15" and rows[0]["score"] > 0
    assert rows[0]["confirmed"] == {"money_politics": 5}
    # 5 confirmed of 15 posts, volume floored at 20: 1000 * 5 / 20.
    assert rows[0]["rate_per_1000"]["money_politics"] == 250.0
    kab = _table(client, w.keys["admin"], level="kabupaten")
    assert kab[0]["code"] == "15.07" and kab[0]["open_alerts"] == 1
    assert len(kab) == 514

    html = client.get("/ui/map", headers=auth(w.keys["admin"]), params={"lang": "en"}).text
    jambi = _tile(html, "15")
    assert f'fill="{PALETTE[-1]}"' in jambi and 'class="alerting"' in jambi
    assert 'class="alert-badge"' in jambi and 'fill="#fff">JAMBI</text>' in jambi
    assert "Jambi (15): score 250.0, 15 flagged of 15 posts, 1 open alert(s)" in jambi
    assert f'fill="{NO_DATA}"' in _tile(html, "11")  # Aceh: no posts at all
    first_row = re.search(r'<tr data-code="([\d.]+)"><td>1</td>', html)
    assert first_row and first_row.group(1) == "15"


def test_ikp_weight_multiplies_the_score(rt: Runtime, client: TestClient) -> None:
    from monitor.regions.service import import_ikp

    w = _world(rt, confirmed=5)
    with rt.session() as s:
        assert not import_ikp(s, "code,score\n15,50\n").errors
    rows = _table(client, w.keys["admin"])
    assert rows[0]["ikp"] == 50.0 and rows[0]["score"] == 375.0
    assert _table(client, w.keys["admin"], ikp="false")[0]["score"] == 250.0


def test_liaisons_see_only_their_scope(rt: Runtime, client: TestClient) -> None:
    w = _world(rt, confirmed=5)
    jambi = _table(client, w.keys["liaison-15"])
    assert [r["code"] for r in jambi] == ["15"] and jambi[0]["open_alerts"] == 1
    kab = _table(client, w.keys["liaison-15"], level="kabupaten")
    assert {r["code"][:3] for r in kab} == {"15."} and kab[0]["code"] == "15.07"
    narrow = _table(client, w.keys["liaison-15.07"], level="kabupaten")
    assert [r["code"] for r in narrow] == ["15.07"]

    jakarta = _table(client, w.keys["liaison-31"])
    assert [r["code"] for r in jakarta] == ["31"]
    assert (jakarta[0]["flagged"], jakarta[0]["open_alerts"]) == (1, 0)

    html = client.get("/ui/map", headers=auth(w.keys["liaison-31"])).text
    hidden = _tile(html, "15")
    assert "di luar wilayah Anda" in hidden and "Jambi" not in hidden
    assert "alerting" not in hidden and f'fill="{NO_DATA}"' in hidden
    assert 'data-code="15"><td>' not in html
    assert "data-alert=" not in html and "Tidak ada peringatan terbuka." in html
    mine = client.get("/ui/map", headers=auth(w.keys["liaison-15"])).text
    assert f'<tr data-alert="{w.alert_id}">' in mine
    # Names, Indonesian labels and local time, not codes (issue 14).
    row = mine.split(f'<tr data-alert="{w.alert_id}">')[1].split("</tr>")[0]
    assert "15 item Politik uang di Kabupaten Tanjung Jabung Timur" in row
    assert "Lonjakan volume" in row and "WIB" in row and "money_politics" not in row


def test_summary_counts_and_children(rt: Runtime, client: TestClient) -> None:
    w = _world(rt, confirmed=5)
    res = client.get("/api/v1/regions/15/summary", headers=auth(w.keys["liaison-15"]))
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["flagged"] == 15 and body["volume"] == 15
    assert body["labels"]["money_politics"] == {
        "flagged": 15,
        "confirmed": 5,
        "dismissed": 0,
        "escalated": 0,
        "reviewer": 5,
        "model": 10,
    }
    assert body["label_source"] == {"reviewer": 5, "model": 10}
    assert body["children"][0]["code"] == "15.07" and body["children"][0]["flagged"] == 15
    assert sum(d["flagged"] for d in body["trend"]) == 15

    # Outside the scope answers exactly like a region that does not exist.
    hidden = client.get("/api/v1/regions/15/summary", headers=auth(w.keys["liaison-31"]))
    absent = client.get("/api/v1/regions/99/summary", headers=auth(w.keys["liaison-31"]))
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json()["detail"].replace("15", "99") == absent.json()["detail"]


@pytest.mark.parametrize(
    "params",
    [
        {"level": "kecamatan"},
        {"days": 0},
        {"days": 10_000},
        {"since": "2026-01-01T00:00:00"},
        {"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        {"since": "0.5"},  # numbers are not read as Unix times
        {"until": "-4.8e+16"},
    ],
)
def test_bad_table_parameters_are_422(
    rt: Runtime, client: TestClient, params: dict[str, Any]
) -> None:
    w = _world(rt)
    res = client.get("/api/v1/regions", headers=auth(w.keys["admin"]), params=params)
    assert res.status_code == 422, res.text


def test_map_needs_a_key(rt: Runtime, client: TestClient) -> None:
    # A script asking JSON gets the 401; a logged-out browser goes to the login form.
    res = client.get("/ui/map", headers={"Accept": "application/json"})
    assert res.status_code == 401
    page = client.get("/ui/map?days=7", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/ui/login?next=%2Fui%2Fmap%3Fdays%3D7"
    bad = client.get("/ui/map", headers=auth("wsp_not_a_key"), follow_redirects=False)
    assert bad.status_code == 401  # a wrong key is an error, not a login prompt


def test_map_page_has_the_ui_frame_and_headers_and_a_partial(
    rt: Runtime, client: TestClient
) -> None:
    w = _world(rt)
    res = client.get("/ui/map", headers=auth(w.keys["liaison-15"]))
    assert res.status_code == 200
    assert "default-src 'none'" in res.headers["content-security-policy"]
    assert res.headers["x-frame-options"] == "DENY"
    assert 'aria-current="page"' in res.text and 'href="/ui/liaison"' in res.text
    assert "<h1>Peta kerawanan provinsi (30 hari)</h1>" in res.text
    en = client.get("/ui/map", headers=auth(w.keys["liaison-15"]), params={"lang": "en"})
    assert "<h1>Province vulnerability map (30 days)</h1>" in en.text
    part = client.get("/ui/map", headers=auth(w.keys["liaison-15"]), params={"partial": 1})
    assert part.text.lstrip().startswith('<figure class="tile-map">')
    assert (
        "<html" not in part.text and "default-src 'none'" in part.headers["content-security-policy"]
    )


def test_summary_lists_top_clusters_and_sources_in_scope(rt: Runtime, client: TestClient) -> None:
    from monitor.clusters.models import Cluster
    from tests.regions.seed import post, source

    w = _world(rt)
    with rt.session() as s:
        news = source(s, "jambi-ekspres", region="15")
        other = source(s, "jakarta-news")
        c = Cluster(size=4, n_regions=2, growth_rate=3.0)
        s.add(c)
        s.flush()
        for i in range(3):
            post(
                s,
                f"Amplop lagi di Tanjab Timur {i}",
                src=news,
                flagged=True,
                labels=["money_politics"],
                cluster_id=c.id,
            )
        post(
            s,
            "Amplop di Jaksel",
            src=other,
            flagged=True,
            labels=["money_politics"],
            cluster_id=c.id,
        )
        cluster_id, news_id = c.id, news.id
    body = client.get("/api/v1/regions/15/summary", headers=auth(w.keys["liaison-15"])).json()
    assert body["top_sources"] == [{"id": news_id, "name": "jambi-ekspres", "flagged": 3}]
    assert [(x["id"], x["flagged"]) for x in body["top_clusters"]] == [(cluster_id, 3)]
    # Jakarta's liaison sees the cluster's Jakarta copy only, and no Jambi source.
    dki = client.get("/api/v1/regions/31/summary", headers=auth(w.keys["liaison-31"])).json()
    assert [(x["id"], x["flagged"]) for x in dki["top_clusters"]] == [(cluster_id, 1)]
    assert [x["name"] for x in dki["top_sources"]] == ["jakarta-news"]
