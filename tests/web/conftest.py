"""Fixtures for the web tests: a seeded queue and logged-in test clients."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from monitor.core.runtime import Runtime
from tests.support.client import app_client
from tests.support.seeds.web import Seeded, seed


@pytest.fixture
def seeded(rt: Runtime) -> Seeded:
    """The seeded queue, committed in the test's rolled-back transaction."""
    with rt.session() as s:
        return seed(s)


def csrf_of(html: str) -> str:
    """Return the page's session CSRF token."""
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def web_login(client: TestClient, key: str) -> str:
    """Log in through the real form; return the session's CSRF token."""
    page = client.get("/ui/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    res = client.post("/ui/login", data={"key": key, "csrf_token": token.group(1)})
    assert res.status_code == 303, res.text
    return csrf_of(client.get("/ui/liaison").text)


@pytest.fixture
def browser_as(rt: Runtime, seeded: Seeded) -> Callable[[str], tuple[TestClient, str]]:
    """Return a function giving a logged-in client (and its CSRF token) for a role."""

    def make(role: str) -> tuple[TestClient, str]:
        client = app_client(rt, follow_redirects=False)
        return client, web_login(client, seeded.keys[role])

    return make
