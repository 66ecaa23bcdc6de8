"""`/docs` works with no internet: Swagger UI's files come from this server, in real Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from monitor.core.runtime import Runtime
from tests.support.client import app_client
from tests.support.processes import free_port, start_waspada, wait_http, waspada_env
from tests.web.test_browser import CHROMIUM, LAUNCH_ARGS, _need_chromium


def test_docs_page_names_only_local_assets(rt: Runtime) -> None:
    client = app_client(rt)
    page = client.get("/docs")
    assert page.status_code == 200
    assert "http" not in page.text  # no CDN, no absolute URL of any kind
    assert "script-src 'self'" in page.headers["content-security-policy"]
    js = client.get("/docs/assets/swagger-ui-bundle.js")
    assert js.status_code == 200 and "SwaggerUIBundle" in js.text
    assert client.get("/docs/assets/swagger-ui.css").status_code == 200
    assert "/openapi.json" in client.get("/docs/init.js").text
    assert client.get("/redoc").status_code == 404  # ReDoc loads from a CDN: not offered
    assert client.get("/docs/assets/../../pyproject.toml").status_code == 404


@pytest.mark.browser
def test_docs_render_in_chromium_with_the_network_cut(fresh_db_url: str, tmp_path: Path) -> None:
    _need_chromium()
    from playwright.sync_api import expect, sync_playwright

    port = free_port()
    env = waspada_env(tmp_path / "data", fresh_db_url, WASPADA_API_PORT=str(port))
    proc = start_waspada(["api"], env, tmp_path / "api.log")
    base = f"http://127.0.0.1:{port}"
    outside: list[str] = []
    problems: list[str] = []
    try:
        wait_http(f"{base}/healthz", proc)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
            context = browser.new_context()

            def only_local(route: Any) -> None:
                if route.request.url.startswith(base):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            context.route("**/*", only_local)
            page = context.new_page()
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.goto(f"{base}/docs")
            # Operations are rendered from /openapi.json: the ingest endpoint is one of them.
            expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
            expect(page.locator("#swagger-ui")).to_contain_text("/api/v1/ingest")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert outside == []
    assert problems == []
