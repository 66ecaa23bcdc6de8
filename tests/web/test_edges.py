"""Edges: one error class and handler in two languages, one login dependency, explicit routers."""

from __future__ import annotations

import importlib
import pkgutil
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import APIRouter
from fastapi.testclient import TestClient

import api
from api.app import create_app
from api.routes import ROOT_ROUTERS, V1_ROUTERS
from api.web.auth import resolve_for_api
from monitor.cli.main import error_line
from monitor.core.errors import NotFound
from monitor.core.messages import format_when, from_accept_language
from monitor.core.runtime import Runtime
from tests.support.client import app_client
from tests.support.processes import waspada_env
from tests.support.seeds.web import Seeded

Login = Callable[[str], tuple[TestClient, str]]


def test_problem_details_in_indonesian_by_default_and_english_on_request(
    rt: Runtime, seeded: Seeded
) -> None:
    client = app_client(rt)
    h = {"Authorization": f"Bearer {seeded.keys['reviewer']}"}
    res = client.get("/api/v1/items/2000000000", headers=h)
    assert res.status_code == 404 and res.headers["content-type"] == "application/problem+json"
    assert res.json()["title"] == "Tidak ditemukan"
    assert res.json()["detail"] == "Tidak ada item dengan id ini."
    assert res.headers["content-language"] == "id"
    en = client.get("/api/v1/items/2000000000", headers={**h, "Accept-Language": "en-GB,en;q=0.9"})
    assert en.json()["title"] == "Not Found" and en.json()["detail"] == "No item with this id."
    assert en.json()["type"] == res.json()["type"] == "about:blank"
    # Framework errors and the missing key speak the same two languages.
    assert client.get("/api/v1/items").json()["detail"].startswith("Kirim kunci API")
    bad = client.get("/api/v1/items", headers={"Accept-Language": "en"})
    assert bad.status_code == 401 and bad.json()["title"] == "Unauthorized"
    assert "WWW-Authenticate" in bad.headers
    # A language we do not have, or a hostile header, falls back to Indonesian.
    odd = client.get("/api/v1/nothing", headers={**h, "Accept-Language": "fr;q=x,;;," * 300})
    assert odd.status_code == 404 and odd.json()["title"] == "Tidak ditemukan"


def test_accept_language_and_times_in_words() -> None:
    assert from_accept_language("id-ID,id;q=0.9,en;q=0.8") == "id"
    assert from_accept_language("fr, en;q=0.5") == "en"
    assert from_accept_language("en;q=0, id;q=0.1") == "id"
    assert from_accept_language("*") is None and from_accept_language(None) is None
    when = datetime(2024, 2, 14, 8, 5, 59, 123456, tzinfo=UTC)
    assert format_when("id", when) == "14 Februari 2024 pukul 08.05 UTC"
    assert format_when("en", when) == "14 February 2024 at 08:05 UTC"


def test_conflict_says_who_and_when_to_the_minute(browser_as: Login, seeded: Seeded) -> None:
    first, token = browser_as("reviewer")
    item = seeded.post_ids[0]
    json_h = {"Accept": "application/json", "X-CSRF-Token": token}
    ok = first.post(
        f"/ui/items/{item}/decision",
        data={"decision": "dismiss", "reason": "satire"},
        headers=json_h,
    )
    assert ok.status_code == 200, ok.text
    late = first.post(f"/ui/items/{item}/decision", data={"decision": "confirm"}, headers=json_h)
    detail = late.json()["detail"]
    assert late.status_code == 409 and "reviewer-web" in detail and "Ditolak" in detail
    assert re.search(r"pada \d{1,2} \w+ \d{4} pukul \d{2}\.\d{2} UTC\)", detail)  # no seconds
    en = first.post(
        f"/ui/items/{item}/decision?lang=en", data={"decision": "confirm"}, headers=json_h
    )
    assert "Dismissed" in en.json()["detail"] and " at " in en.json()["detail"]


def test_login_dependency_redirects_and_refuses(browser_as: Login, rt: Runtime) -> None:
    anonymous = app_client(rt, follow_redirects=False)
    for page in ("/ui/", "/ui/liaison?region=15"):
        res = anonymous.get(page)
        assert res.status_code == 303 and res.headers["location"].startswith("/ui/login?next=")
    panel = anonymous.get("/ui/items/1/panel")
    assert panel.status_code == 401 and panel.headers["content-type"] == "application/problem+json"
    posted = anonymous.post("/ui/items/1/claim", data={"csrf_token": "x"})
    assert posted.status_code == 303 and "msg=ended" in posted.headers["location"]
    liaison, token = browser_as("liaison")
    refused = liaison.post("/ui/items/1/claim", data={"csrf_token": token})
    assert refused.status_code == 403 and "Tidak diizinkan." in refused.text
    assert "Content-Security-Policy" in refused.headers and "liaison-web" in refused.text
    forged = liaison.post("/ui/items/1/claim", data={"csrf_token": "forged"})
    assert forged.status_code == 403 and "Token keamanan" in forged.text


def test_every_router_is_listed_once_and_nothing_registers_on_import(rt: Runtime) -> None:
    listed = [*ROOT_ROUTERS, *V1_ROUTERS]
    assert len({id(r) for r in listed}) == len(listed)
    found = []
    for info in pkgutil.walk_packages(api.__path__, "api."):
        module = importlib.import_module(info.name)
        found += [v for v in vars(module).values() if isinstance(v, APIRouter)]
    assert {id(r) for r in found} <= {id(r) for r in listed}
    app = create_app(rt)
    assert app.state.session_resolvers == [resolve_for_api]


def test_cli_turns_a_domain_error_into_one_line(tmp_path: Path, fresh_db_url: str) -> None:
    assert error_line(NotFound("error.no_alert", alert_id=7)) == (
        "waspada: error: Peringatan 7 tidak ada dalam cakupan Anda."
    )
    assert error_line(NotFound("error.no_alert", alert_id=7), "en").endswith(
        "No alert 7 within your scope."
    )
    env = waspada_env(tmp_path / "data", fresh_db_url)
    res = subprocess.run(
        [sys.executable, "-m", "monitor", "alerts", "ack", "424242"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert lines[-1] == "waspada: error: Peringatan 424242 tidak ada dalam cakupan Anda."
    assert "Traceback" not in res.stderr
