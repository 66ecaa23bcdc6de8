"""A queue page checks its key inside the endpoint's worker thread, and errors keep their order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import anyio.to_thread
import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api.auth.deps import require_in_endpoint
from api.auth.ratelimit import RateLimiter
from api.edge import EdgeRoute
from api.items.filters import plain_codes
from monitor.core.runtime import Runtime
from monitor.desk import queue
from monitor.keys.principal import Principal
from tests.support.seeds.review import Seed, auth, seed

pytestmark = pytest.mark.client(raise_server_exceptions=False)


@pytest.fixture
def seeded(rt: Runtime) -> Seed:
    with rt.session() as s:
        return seed(s)


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every worker-thread hop (Starlette and FastAPI both go through anyio)."""
    seen: list[str] = []
    run_sync = anyio.to_thread.run_sync

    async def counted(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        seen.append(getattr(func, "__name__", repr(func)))
        return await run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    return seen


def test_a_flat_page_and_an_item_take_one_thread_hop(
    client: TestClient, seeded: Seed, hops: list[str]
) -> None:
    h = auth(seeded.keys["reviewer"])
    for _ in range(2):  # the first request verifies the key (scrypt), the second is the fast path
        hops.clear()
        res = client.get("/api/v1/items", headers=h, params={"group": "none", "limit": 5})
        assert res.status_code == 200, res.text
        assert len(res.json()["items"]) == 5
        assert len(hops) == 1, hops
    hops.clear()
    res = client.get(f"/api/v1/items/{seeded.jambi[0]}", headers=h)
    assert res.status_code == 200 and res.json()["item"]["id"] == seeded.jambi[0]
    assert len(hops) == 1, hops


def test_the_deferred_check_keeps_the_liaison_scope(client: TestClient, seeded: Seed) -> None:
    h = auth(seeded.keys["liaison"])
    res = client.get("/api/v1/items", headers=h, params={"group": "none", "limit": 200})
    assert res.status_code == 200
    ids = {item["id"] for item in res.json()["items"]}
    assert ids and ids <= set(seeded.jambi)
    assert client.get(f"/api/v1/items/{seeded.jakarta[0]}", headers=h).status_code == 404


@pytest.mark.parametrize(
    "path", ["/api/v1/items?limit=0", "/api/v1/items?group=sideways", "/api/v1/items/0"]
)
def test_401_and_429_answer_before_422(client: TestClient, seeded: Seed, path: str) -> None:
    assert client.get(path).status_code == 401  # no key: checked before the parameters
    bad = client.get(path, headers=auth("wsp_" + "x" * 40))
    assert bad.status_code == 401, bad.text  # a wrong key: settled before the 422 goes out
    assert bad.headers["content-type"] == "application/problem+json"
    assert "WWW-Authenticate" in bad.headers
    h = auth(seeded.keys["reviewer"])
    assert client.get(path, headers=h).status_code == 422
    # One token a day: the first request spends it, the next is refused before validation.
    client.app.state.rate_limiter = RateLimiter(rate=1 / 86400, burst=1)  # type: ignore[attr-defined]
    assert client.get("/api/v1/items", headers=h, params={"limit": 1}).status_code == 200
    limited = client.get(path, headers=h)
    assert limited.status_code == 429 and "Retry-After" in limited.headers


def test_region_codes_need_no_lookup_hop(client: TestClient, seeded: Seed, hops: list[str]) -> None:
    h = auth(seeded.keys["reviewer"])
    pages = {}
    for region, expected_hops in [("15", 1), (" 15 ", 1), ("Jambi", 2), ("jambi", 2)]:
        client.get("/api/v1/items", headers=h, params={"limit": 1})  # the key's first check
        hops.clear()
        params = {"group": "none", "limit": 200, "region": region}
        res = client.get("/api/v1/items", headers=h, params=params)
        assert res.status_code == 200, res.text
        assert len(hops) == expected_hops, (region, hops)
        pages[region] = sorted(item["id"] for item in res.json()["items"])
    assert pages["15"] == pages[" 15 "] == pages["Jambi"] == pages["jambi"] == sorted(seeded.jambi)


@pytest.mark.parametrize(
    ("values", "codes"),
    [
        (["15", "31.71", "15"], ("15", "31.71")),
        (["", "  "], ()),
        (["15", "Jambi"], None),  # one name: the whole list goes to the lookup
        (["."], None),
        (["15;DROP TABLE posts"], None),
    ],
)
def test_plain_codes_match_the_lookup(
    values: list[str], codes: tuple[str, ...] | None, db: Session
) -> None:
    assert plain_codes(values) == codes
    if codes is not None:
        assert queue.resolve_regions(db, values) == codes


def test_an_async_endpoint_cannot_take_the_deferred_key_check() -> None:
    router = APIRouter(route_class=EdgeRoute)

    def plain(principal: Annotated[Principal, require_in_endpoint("read_items")]) -> str:
        return principal.name

    async def coroutine(principal: Annotated[Principal, require_in_endpoint("read_items")]) -> str:
        return principal.name  # would be the unresolved KeyCheck: refused at import time

    router.add_api_route("/plain", plain)
    with pytest.raises(TypeError, match="plain `def` endpoint"):
        router.add_api_route("/coroutine", coroutine)
