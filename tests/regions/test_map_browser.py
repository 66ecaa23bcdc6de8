"""The province map in Debian's headless Chromium against a real `waspada api` on 127.0.0.1.

A liaison logs in through the form, follows the nav link to /ui/map and sees Jambi, where a
money-politics burst raised an alert, coloured and marked; provinces outside the key are grey
and unnamed; the page loads nothing from outside and breaks no Content-Security-Policy rule.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from api.regions.tiles import NO_DATA, PALETTE
from monitor.core.runtime import build_runtime
from monitor.core.settings import load_settings
from tests.alerts.seed import HotJambi, hot_jambi
from tests.support.processes import free_port, start_waspada, wait_http, waspada_env

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "regions"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

pytestmark = [pytest.mark.browser, pytest.mark.regions]


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


@pytest.fixture
def server(
    migrated_template: Callable[[str], str], tmp_path: Path
) -> Iterator[tuple[str, HotJambi]]:
    """Seed the burst into a fresh SQLite file and serve it with `waspada api`."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is required in CI")
        pytest.skip(f"{CHROMIUM} not installed; browser test skipped")
    # SQLite only: the figures behind the map run on both databases in test_figures_api.
    db = tmp_path / "map.db"
    shutil.copy(migrated_template("sqlite").removeprefix("sqlite:///"), db)
    url = f"sqlite:///{db}"
    rt = build_runtime(load_settings(data_dir=tmp_path / "data", database_url=url))
    with rt.session() as s:
        world = hot_jambi(s, confirmed=5)
    rt.close()
    port = free_port()
    env = waspada_env(tmp_path / "data", url, WASPADA_API_PORT=str(port))
    proc = start_waspada(["api"], env, tmp_path / "api.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", proc)
        yield base, world
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_liaison_sees_the_burst_on_the_map(server: tuple[str, HotJambi], tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, world = server
    problems: list[str] = []
    outside: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1200, "height": 900})

        def only_local(route: Any) -> None:
            if route.request.url.startswith(base):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", only_local)
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))

        page.goto(f"{base}/ui/login?next=%2Fui%2Fliaison")
        page.fill("#key", world.keys["liaison-15"])
        page.click("button[type=submit]")
        expect(page).to_have_url(f"{base}/ui/liaison")
        page.click('nav a[href="/ui/map"]')
        expect(page).to_have_url(f"{base}/ui/map")
        expect(page.locator('nav a[aria-current="page"]')).to_have_attribute("href", "/ui/map")
        page.click("a.lang")  # switch to English: titles below are asserted in English

        jambi = page.locator('g.tile[data-code="15"] rect')
        expect(jambi).to_be_visible()
        expect(jambi).to_have_attribute("class", "alerting")
        assert jambi.evaluate("e => getComputedStyle(e).fill") == _rgb(PALETTE[-1])
        expect(page.locator('g.tile[data-code="15"] circle.alert-badge')).to_be_visible()
        title = page.locator('g.tile[data-code="15"] > title').text_content() or ""
        assert "Jambi (15)" in title and "1 open alert(s)" in title
        dki = page.locator('g.tile[data-code="31"]')
        assert dki.locator("rect").evaluate("e => getComputedStyle(e).fill") == _rgb(NO_DATA)
        assert "outside your regions" in (dki.locator("title").text_content() or "")
        assert dki.locator("a").count() == 0
        rows = page.locator("table.ranked tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_have_attribute("data-code", "15")

        shot = tmp_path / "map-liaison.png"
        page.screenshot(path=str(shot), full_page=True)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, ARTIFACTS / "map-liaison.png")
        browser.close()
    assert problems == [] and outside == []
