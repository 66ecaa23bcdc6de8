"""Local time (WIB/WITA/WIT) on the liaison page, the map, region figures and alerts (issue 14)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from monitor.alerts import repository as alert_repository
from monitor.alerts.service import message_for
from monitor.core.base import utcnow
from monitor.core.localtime import ZONES
from monitor.core.runtime import Runtime
from monitor.keys import service as keys
from monitor.keys.principal import SYSTEM
from tests.alerts.seed import BURST_TEXTS, auth, hot_jambi
from tests.regions.seed import load, post
from tests.support.client import app_client
from tests.web.conftest import web_login

# One regions load per session (tests/conftest.py::regions_engine), not one per test.
pytestmark = pytest.mark.regions


def _late_evening_post(rt: Runtime) -> tuple[dict[str, str], datetime]:
    """A Jambi post early on today's WIB date, in the past, whose UTC date is the day before.

    Why from the WIB midnight: after 17:00 UTC the WIB date is already tomorrow's UTC date,
    so a post placed from the UTC midnight would sit on yesterday's local day.
    """
    now = utcnow()
    wib_today = now.astimezone(ZONES["WIB"]).date()
    local_midnight = datetime.combine(wib_today, datetime.min.time(), tzinfo=ZONES["WIB"])
    # 03:30 WIB (20:30 UTC the day before), or halfway to now if that is still to come.
    at = local_midnight.astimezone(UTC) + min(
        timedelta(hours=3, minutes=30), (now - local_midnight) / 2
    )
    with rt.session() as s:
        load(s)
        post(s, BURST_TEXTS[0], flagged=True, labels=["money_politics"], at=at)
        plain = {
            name: keys.create_key(s, name, "liaison", regions)[1]
            for name, regions in (
                ("jambi", ["15"]),
                ("sulsel", ["73"]),
                ("bali-ntb", ["51", "52"]),  # both WITA
                ("sulsel-jambi", ["73", "15"]),  # across zones: national time
            )
        }
        s.flush()
    return plain, at


def test_region_summary_counts_local_days_and_gives_offsets(
    rt: Runtime, client: TestClient
) -> None:
    plain, at = _late_evening_post(rt)
    res = client.get("/api/v1/regions/15/summary", headers=auth(plain["jambi"]))
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["timezone"] == "WIB"
    assert body["since_local"].endswith("+07:00") and body["until_local"].endswith("+07:00")
    local_day = at.astimezone(ZONES["WIB"]).date()
    assert local_day == at.date() + timedelta(days=1)  # the UTC day would be yesterday
    assert [(d["day"], d["flagged"]) for d in body["trend"]] == [(local_day.isoformat(), 1)]


def test_liaison_page_says_its_period_in_the_regions_zone(rt: Runtime) -> None:
    plain, at = _late_evening_post(rt)
    browser = app_client(rt, follow_redirects=False)
    web_login(browser, plain["jambi"])
    html = browser.get("/ui/liaison").text
    found = re.search(r'<span id="liaison-period">([^<]+)</span>', html)
    assert found, html[:2000]
    today = utcnow().astimezone(ZONES["WIB"]).strftime("%d-%m-%Y")
    assert found.group(1).endswith(f"– {today} WIB")
    # The trend chart's last day is the local today, and the post sits on it.
    assert at.astimezone(ZONES["WIB"]).strftime("%d-%m-%Y") == today

    sulsel = app_client(rt, follow_redirects=False)
    web_login(sulsel, plain["sulsel"])
    other = re.search(r'<span id="liaison-period">([^<]+)</span>', sulsel.get("/ui/liaison").text)
    assert other and other.group(1).endswith(" WITA")


def test_map_page_period_is_local_to_the_callers_regions(rt: Runtime, client: TestClient) -> None:
    plain, _at = _late_evening_post(rt)
    cases = (("jambi", "WIB"), ("sulsel", "WITA"), ("bali-ntb", "WITA"), ("sulsel-jambi", "WIB"))
    for name, zone in cases:
        html = client.get("/ui/map", headers=auth(plain[name])).text
        found = re.search(r'<p class="meta" id="map-period">Periode: ([^<]+)</p>', html)
        assert found, name
        start, end = found.group(1).split(" – ")
        assert start.endswith(f" {zone}") and end.endswith(f" {zone}")
        assert "UTC" not in found.group(1)


def test_alerts_api_and_messages_carry_the_local_window(rt: Runtime, client: TestClient) -> None:
    with rt.session() as s:
        w = hot_jambi(s)
        alert = alert_repository.list_alerts(
            s, SYSTEM, status=None, region=None, rule=None, limit=1, before_id=None
        )[0]
        msg = message_for(alert)
    res = client.get("/api/v1/alerts", headers=auth(w.keys["liaison-15"]))
    assert res.status_code == 200, res.text
    row = res.json()["alerts"][0]
    assert row["timezone"] == "WIB"
    start = datetime.fromisoformat(row["window_start_local"])
    assert row["window_start_local"].endswith("+07:00")
    assert start == datetime.fromisoformat(row["window_start"])  # the same instant
    assert msg.payload["window_start_local"] == row["window_start_local"]
    assert " WIB" in msg.text and "UTC" not in msg.text
