"""GET /api/v1/alerts with region scope; acknowledge/resolve audited; subscriptions API."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from monitor.audit import service as audit
from monitor.core.runtime import Runtime
from monitor.keys import service as keys
from tests.alerts.seed import HotJambi, auth, hot_jambi

# One regions load per session (tests/conftest.py::regions_engine), not one per test.
pytestmark = pytest.mark.regions


@pytest.fixture
def world(rt: Runtime) -> HotJambi:
    with rt.session() as s:
        return hot_jambi(s)


def _alerts(client: TestClient, key: str, **params: Any) -> list[dict[str, Any]]:
    res = client.get("/api/v1/alerts", headers=auth(key), params=params)
    assert res.status_code == 200, res.text
    rows: list[dict[str, Any]] = res.json()["alerts"]
    return rows


def test_alerts_are_listed_within_scope(client: TestClient, world: HotJambi) -> None:
    for key in ("admin", "liaison-15", "liaison-15.07"):
        rows = _alerts(client, world.keys[key])
        assert [a["id"] for a in rows] == [world.alert_id]
    row = _alerts(client, world.keys["liaison-15"])[0]
    assert (row["rule"], row["region_code"], row["label"], row["status"]) == (
        "volume_spike",
        "15.07",
        "money_politics",
        "open",
    )
    assert row["payload"]["count"] == 15
    assert _alerts(client, world.keys["liaison-31"]) == []
    # Filters cannot widen the scope.
    assert _alerts(client, world.keys["liaison-31"], region="15") == []
    assert _alerts(client, world.keys["admin"], region="31") == []
    assert len(_alerts(client, world.keys["admin"], region="15", rule="volume_spike")) == 1
    assert _alerts(client, world.keys["admin"], status="resolved") == []


@pytest.mark.parametrize(
    "params",
    [{"region": "Jambi"}, {"status": "closed"}, {"rule": "x"}, {"limit": 0}, {"before_id": -1}],
)
def test_bad_list_parameters_are_422(
    client: TestClient, world: HotJambi, params: dict[str, Any]
) -> None:
    res = client.get("/api/v1/alerts", headers=auth(world.keys["admin"]), params=params)
    assert res.status_code == 422


def test_acknowledge_and_resolve_are_audited_and_scoped(
    rt: Runtime, client: TestClient, world: HotJambi
) -> None:
    path = f"/api/v1/alerts/{world.alert_id}"
    outsider = auth(world.keys["liaison-31"])
    hidden = client.post(f"{path}/acknowledge", headers=outsider)
    absent = client.post("/api/v1/alerts/2000000000/acknowledge", headers=outsider)
    assert hidden.status_code == absent.status_code == 404

    liaison = auth(world.keys["liaison-15"])
    res = client.post(f"{path}/acknowledge", headers=liaison)
    assert res.status_code == 200 and res.json()["status"] == "acknowledged"
    assert res.json()["acknowledged_by"].endswith(":liaison-15")
    again = client.post(f"{path}/acknowledge", headers=liaison)
    assert again.status_code == 409 and "Diketahui, tidak terbuka" in again.json()["detail"]
    assert client.post(f"{path}/resolve", headers=liaison).json()["status"] == "resolved"
    assert client.post(f"{path}/resolve", headers=liaison).status_code == 409

    with rt.session() as s:
        events = audit.events_for(s, "alert", str(world.alert_id))
        assert [e.action for e in events] == ["alert.acknowledge", "alert.resolve"]
        assert events[0].before == {
            "status": "open",
            "acknowledged_by": None,
            "resolved_by": None,
        }
        assert events[1].after["status"] == "resolved"  # type: ignore[index]
        assert audit.verify(s).ok


def test_researcher_reads_but_cannot_acknowledge_or_subscribe(
    rt: Runtime, client: TestClient, world: HotJambi
) -> None:
    with rt.session() as s:
        _, plain = keys.create_key(s, "res", "researcher")
    h = auth(plain)
    assert len(_alerts(client, plain)) == 1
    assert client.post(f"/api/v1/alerts/{world.alert_id}/acknowledge", headers=h).status_code == 403
    assert client.get("/api/v1/alerts/subscriptions", headers=h).status_code == 403


def test_subscriptions_api_is_scoped_owned_and_audited(
    rt: Runtime, client: TestClient, world: HotJambi
) -> None:
    jambi, jakarta = auth(world.keys["liaison-15"]), auth(world.keys["liaison-31"])
    body = {
        "name": "Bawaslu Jambi",
        "channel": "webhook",
        "target": "https://hooks.example.org/jambi",
        "region_codes": ["15"],
        "labels": ["money_politics"],
    }
    res = client.post("/api/v1/alerts/subscriptions", headers=jambi, json=body)
    assert res.status_code == 201, res.text
    created = res.json()
    secret = created["secret"]
    assert len(secret) >= 32 and created["has_secret"] is True
    sub_id = created["id"]

    listed = client.get("/api/v1/alerts/subscriptions", headers=jambi).json()
    assert [x["id"] for x in listed] == [sub_id] and secret not in str(listed)
    assert client.get(f"/api/v1/alerts/subscriptions/{sub_id}", headers=jambi).status_code == 200
    assert client.get("/api/v1/alerts/subscriptions", headers=jakarta).json() == []
    for method in ("get", "delete"):
        res = getattr(client, method)(f"/api/v1/alerts/subscriptions/{sub_id}", headers=jakarta)
        assert res.status_code == 404

    outside = client.post(
        "/api/v1/alerts/subscriptions", headers=jakarta, json={**body, "region_codes": ["15"]}
    )
    # The whole sentence is in the caller's language (Indonesian unless asked otherwise).
    assert outside.status_code == 422
    assert outside.json()["detail"] == (
        "Langganan tidak valid: wilayah 15 di luar cakupan kunci ini."
    )
    english = client.post(
        "/api/v1/alerts/subscriptions",
        headers={**jakarta, "Accept-Language": "en"},
        json={**body, "region_codes": ["15"]},
    )
    assert english.json()["detail"] == (
        "Invalid subscription: region 15 is outside this key's scope"
    )
    for bad in (
        {"channel": "sms"},
        {"secret": "short"},
        {"region_codes": ["15"] * 101},
        {"labels": ["gossip"]},
        {"target": "http://127.0.0.1:8080/hook"},
    ):
        res = client.post("/api/v1/alerts/subscriptions", headers=jambi, json={**body, **bad})
        assert res.status_code == 422, bad

    assert client.delete(f"/api/v1/alerts/subscriptions/{sub_id}", headers=jambi).status_code == 204
    assert client.get("/api/v1/alerts/subscriptions", headers=jambi).json() == []
    with rt.session() as s:
        events = audit.events_for(s, "subscription", str(sub_id))
        assert [e.action for e in events] == ["subscription.create", "subscription.delete"]
        assert secret not in str([(e.before, e.after) for e in events])
