"""Every error is RFC 9457 problem details, documented as such, and leaks nothing."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from api.app import MAX_BODY_BYTES, create_app
from monitor.core.runtime import Runtime
from tests.support.seeds.review import Seed, auth, seed


@pytest.fixture
def seeded(rt: Runtime) -> Seed:
    with rt.session() as s:
        return seed(s)


pytestmark = pytest.mark.client(raise_server_exceptions=False)


def _problem(res: httpx.Response, status: int) -> dict[str, object]:
    assert res.status_code == status, res.text
    headers = res.headers
    assert headers["content-type"] == "application/problem+json"
    body: dict[str, object] = res.json()
    assert body["status"] == status and isinstance(body["title"], str)
    assert body["type"] == "about:blank"
    return body


def test_error_statuses_share_one_shape(client: TestClient, seeded: Seed) -> None:
    h = auth(seeded.keys["reviewer"])
    _problem(client.get("/api/v1/items"), 401)
    _problem(client.get("/api/v1/export/labels.jsonl", headers=h), 403)
    _problem(client.get("/api/v1/nothing-here", headers=h), 404)
    _problem(client.get("/api/v1/items/2000000000", headers=h), 404)
    body = _problem(client.get("/api/v1/items", headers=h, params={"limit": 0}), 422)
    assert body["errors"] and body["detail"] == "Validasi permintaan gagal."
    body = _problem(client.get("/api/v1/items", headers=h, params={"cursor": "bad"}), 400)
    assert body["title"] == "Permintaan tidak valid"
    malformed = client.post(
        f"/api/v1/items/{seeded.jambi[0]}/decision",
        headers={**h, "content-type": "application/json"},
        content=b"\xff\xfe{",
    )
    assert _problem(malformed, 400)["title"] == "Permintaan tidak valid"


def test_405_lists_every_method_of_the_path(client: TestClient, seeded: Seed) -> None:
    h = auth(seeded.keys["reviewer"])
    res = client.put(f"/api/v1/items/{seeded.jambi[0]}/claim", headers=h)
    _problem(res, 405)
    assert res.headers["allow"] == "DELETE, POST"
    res = client.get("/api/v1/items/decisions", headers=h)
    _problem(res, 405)
    assert res.headers["allow"] == "POST"


def test_bodies_over_the_limit_are_refused_by_header_and_while_streaming(
    client: TestClient, seeded: Seed
) -> None:
    h = {**auth(seeded.keys["admin"]), "content-type": "application/json"}
    res = client.post("/api/v1/ingest", headers=h, content=b" " * (MAX_BODY_BYTES + 1))
    assert "melebihi" in str(_problem(res, 413)["detail"])

    def chunks() -> Iterator[bytes]:
        # No Content-Length: the limit must hold while the body streams in.
        yield b'{"source": "x", "posts": ["'
        for _ in range(MAX_BODY_BYTES // (64 * 1024) + 2):
            yield b"a" * (64 * 1024)
        yield b'"]}'

    _problem(client.post("/api/v1/ingest", headers=h, content=chunks()), 413)
    # Nothing was stored and the service still answers.
    assert client.get("/api/v1/stats", headers=h).json()["queue_total"] == 12


def test_unexpected_errors_are_500_problems_without_internals(rt: Runtime) -> None:
    app = create_app(rt)
    boom = APIRouter()

    @boom.get("/boom")
    def explode() -> None:
        raise RuntimeError("password=hunter2 in /srv/waspada/secret.py")

    app.include_router(boom)
    res = TestClient(app, raise_server_exceptions=False).get("/boom")
    body = _problem(res, 500)
    assert "hunter2" not in res.text and "secret.py" not in res.text
    assert body["detail"] == "Terjadi kesalahan tak terduga; sudah dicatat."
    assert res.headers["x-request-id"]


def test_openapi_documents_problem_details_for_every_error(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["components"]["schemas"]["Problem"]["required"] == ["type", "title", "status"]
    seen = 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                if code[0] in "45":
                    seen += 1
                    content = response.get("content", {})
                    assert list(content) == ["application/problem+json"], (path, method, code)
            if path.startswith("/api/v1/"):
                assert {"401", "403", "429"} <= set(operation["responses"]), (path, method)
            if "requestBody" in operation:
                assert "413" in operation["responses"], (path, method)
    assert seen > 50
