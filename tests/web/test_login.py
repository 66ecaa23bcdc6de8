"""Login, logout, session cookies, CSRF on the login form, and the security headers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from api.web import secret
from api.web import session as websession
from monitor.core.base import utcnow
from monitor.core.runtime import Runtime
from monitor.core.settings import load_settings
from monitor.keys import service as keys
from tests.support.client import app_client


def _client(rt: Runtime) -> TestClient:
    return app_client(rt, follow_redirects=False)


def _key(rt: Runtime, role: str = "reviewer", regions: tuple[str, ...] = ()) -> tuple[int, str]:
    with rt.session() as s:
        row, plaintext = keys.create_key(s, f"{role}-user", role, regions)
        return row.id, plaintext


def _login_token(client: TestClient) -> str:
    page = client.get("/ui/login")
    assert page.status_code == 200
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    return match.group(1)


def login(client: TestClient, key: str) -> None:
    """Log the test client in through the real form."""
    res = client.post("/ui/login", data={"key": key, "csrf_token": _login_token(client)})
    assert res.status_code == 303, res.text
    assert res.headers["location"] == "/ui/"


def test_login_sets_a_strict_httponly_cookie_and_logout_clears_it(rt: Runtime) -> None:
    _, key = _key(rt)
    client = _client(rt)
    assert client.get("/ui/").status_code == 303  # not logged in → login page
    token = _login_token(client)
    res = client.post("/ui/login", data={"key": key, "csrf_token": token})
    assert res.status_code == 303
    cookie = next(
        v for k, v in res.headers.multi_items() if k == "set-cookie" and "waspada_session" in v
    )
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http in the test; https sets Secure (next test)
    assert key not in cookie
    page = client.get("/ui/liaison")
    assert page.status_code == 200
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
    assert csrf
    out = client.post("/ui/logout", data={"csrf_token": csrf.group(1)})
    assert out.status_code == 303 and out.headers["location"] == "/ui/login?msg=out"
    assert client.get("/ui/liaison").status_code == 303


def test_cookie_is_secure_over_https(rt: Runtime) -> None:
    _, key = _key(rt)
    client = app_client(rt, base_url="https://testserver", follow_redirects=False)
    res = client.post("/ui/login", data={"key": key, "csrf_token": _login_token(client)})
    cookie = next(
        v for k, v in res.headers.multi_items() if k == "set-cookie" and "waspada_session" in v
    )
    assert "Secure" in cookie


@pytest.mark.parametrize(
    "key",
    ["", "nonsense", "wsp_x_y", "' OR 1=1 --", "<script>alert(1)</script>", "k" * 199],
)
def test_bad_keys_are_refused_with_one_message(rt: Runtime, key: str) -> None:
    client = _client(rt)
    res = client.post("/ui/login", data={"key": key, "csrf_token": _login_token(client)})
    assert res.status_code == 401
    assert "Kunci tidak dikenal" in res.text
    assert "<script>alert(1)</script>" not in res.text
    assert "waspada_session" not in res.headers.get("set-cookie", "")


def test_oversized_key_field_is_rejected(rt: Runtime) -> None:
    client = _client(rt)
    res = client.post("/ui/login", data={"key": "k" * 5000, "csrf_token": _login_token(client)})
    assert res.status_code == 422


def test_revoked_and_expired_keys_cannot_log_in_and_revocation_ends_sessions(
    rt: Runtime,
) -> None:
    key_id, key = _key(rt)
    client = _client(rt)
    login(client, key)
    assert client.get("/ui/liaison").status_code == 200
    with rt.session() as s:
        keys.revoke_key(s, key_id)
    assert client.get("/ui/liaison").status_code == 303
    fresh = _client(rt)
    res = fresh.post("/ui/login", data={"key": key, "csrf_token": _login_token(fresh)})
    assert res.status_code == 401

    with rt.session() as s:
        row, soon = keys.create_key(s, "short", "reviewer", (), utcnow() + timedelta(hours=1))
        row.expires_at = utcnow() - timedelta(seconds=1)
    late = _client(rt)
    res = late.post("/ui/login", data={"key": soon, "csrf_token": _login_token(late)})
    assert res.status_code == 401


def test_login_form_needs_its_csrf_token(rt: Runtime) -> None:
    _, key = _key(rt)
    client = _client(rt)
    _login_token(client)
    assert client.post("/ui/login", data={"key": key}).status_code == 403
    assert client.post("/ui/login", data={"key": key, "csrf_token": "forged"}).status_code == 403
    other = _client(rt)  # a token from one browser is useless in another
    stolen = _login_token(client)
    assert other.post("/ui/login", data={"key": key, "csrf_token": stolen}).status_code == 403


def test_forged_expired_and_tampered_cookies_are_ignored(rt: Runtime) -> None:
    key_id, _ = _key(rt)
    settings = rt.settings
    client = _client(rt)
    good = websession.encode(settings, websession.new_session(settings, key_id))
    client.cookies.set("waspada_session", good)
    assert client.get("/ui/liaison").status_code == 200
    expired = websession.WebSession(key_id=key_id, csrf="x", expires_at=1.0)
    for value in (
        websession.encode(settings, expired),
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        "garbage",
        "x" * 5000,
        websession.encode(load_settings(data_dir=settings.data_dir / "other"), expired),
    ):
        client.cookies.set("waspada_session", value)
        assert client.get("/ui/liaison").status_code == 303


def test_next_parameter_is_not_an_open_redirect(rt: Runtime) -> None:
    _, key = _key(rt)
    for target, expected in [
        ("https://evil.example/", "/ui/"),
        ("//evil.example/ui/", "/ui/"),
        ("/ui/liaison", "/ui/liaison"),
        ("/ui/?label=hoax&status=new", "/ui/?label=hoax&status=new"),
        ("/api/v1/items", "/ui/"),
    ]:
        client = _client(rt)
        res = client.post(
            "/ui/login", data={"key": key, "csrf_token": _login_token(client), "next": target}
        )
        assert res.headers["location"] == expected


def test_pages_carry_security_headers_and_no_inline_script(rt: Runtime) -> None:
    client = _client(rt)
    page = client.get("/ui/login")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "same-origin"
    assert page.headers["cache-control"] == "no-store"
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.text)
    assert " style=" not in page.text and "<style" not in page.text
    js = client.get("/static/app.js")
    assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
    for bad in ("../app.py", "..%2Fapp.py", "app.py", "secret.py", "x.js"):
        assert client.get(f"/static/{bad}").status_code == 404


def test_english_is_available_and_remembered(rt: Runtime) -> None:
    client = _client(rt)
    assert "Kunci API" in client.get("/ui/login").text
    assert "API key" in client.get("/ui/login?lang=en").text
    assert "API key" in client.get("/ui/login").text  # cookie remembers the choice
    assert "Kunci API" in client.get("/ui/login?lang=id").text
    assert "Kunci API" in _client(rt).get("/ui/login?lang=xx").text  # unknown → Indonesian


def test_session_secret_is_generated_once_and_kept_private(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(data_dir=tmp_path / "d")
    first = secret.session_secret(settings)
    path = tmp_path / "d" / secret.SECRET_FILE
    assert path.stat().st_mode & 0o777 == 0o600
    assert len(first) >= secret.MIN_SECRET_CHARS
    secret._cache.clear()
    assert secret.session_secret(settings) == first  # persisted, not regenerated
    (tmp_path / "short").mkdir()
    (tmp_path / "short" / secret.SECRET_FILE).write_text("tiny")
    with pytest.raises(secret.SessionSecretError):
        secret.session_secret(load_settings(data_dir=tmp_path / "short"))
    with pytest.raises(secret.SessionSecretError):
        secret.session_secret(load_settings(data_dir=tmp_path, session_secret="short"))
    configured = load_settings(data_dir=tmp_path, session_secret="s" * 40)
    assert secret.session_secret(configured) == "s" * 40
