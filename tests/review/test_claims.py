"""Claims keep two reviewers off one item; the lease length is a setting and expires."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import update

from monitor.core.base import utcnow
from monitor.core.runtime import Runtime
from monitor.reviews.models import Claim
from tests.support.client import app_client
from tests.support.seeds.review import Seed, auth, seed


@pytest.fixture
def short_lease_rt(rt: Runtime) -> Runtime:
    settings = rt.settings.model_copy(update={"claim_lease": timedelta(seconds=90)})
    return Runtime(settings=settings, engine=rt.engine, factory=rt.factory)


@pytest.fixture
def seeded(rt: Runtime) -> Seed:
    with rt.session() as s:
        return seed(s)


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_one_reviewer_per_item_until_the_lease_expires(
    short_lease_rt: Runtime, seeded: Seed
) -> None:
    client = app_client(short_lease_rt)
    a, b = auth(seeded.keys["reviewer"]), auth(seeded.keys["reviewer2"])
    item = seeded.jambi[0]

    first = client.post(f"/api/v1/items/{item}/claim", headers=a)
    assert first.status_code == 200, first.text
    body = first.json()
    assert _at(body["expires_at"]) - _at(body["claimed_at"]) == timedelta(seconds=90)

    # The other reviewer can neither claim nor decide it, and is told who holds it.
    taken = client.post(f"/api/v1/items/{item}/claim", headers=b)
    assert taken.status_code == 409 and "diklaim oleh reviewer" in taken.json()["detail"]
    blocked = client.post(f"/api/v1/items/{item}/decision", headers=b, json={"action": "confirm"})
    assert blocked.status_code == 409
    # The queue shows the claim to everyone.
    rows = client.get("/api/v1/items", headers=b, params={"limit": 200, "group": "none"}).json()[
        "items"
    ]
    assert next(r for r in rows if r["id"] == item)["claim"]["claimed_by"] == "reviewer"

    # Renewing one's own claim extends it; releasing someone else's is refused.
    assert client.post(f"/api/v1/items/{item}/claim", headers=a).status_code == 200
    assert client.delete(f"/api/v1/items/{item}/claim", headers=b).status_code == 409

    # When the lease runs out, the other reviewer takes over and decides.
    with short_lease_rt.session() as s:
        s.execute(
            update(Claim)
            .where(Claim.post_id == item)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    took = client.post(f"/api/v1/items/{item}/claim", headers=b)
    assert took.status_code == 200 and took.json()["claimed_by"] == "reviewer2"
    decided = client.post(f"/api/v1/items/{item}/decision", headers=b, json={"action": "confirm"})
    assert decided.status_code == 200, decided.text
    # The first reviewer's late decision is a clear conflict, not an overwrite.
    late = client.post(
        f"/api/v1/items/{item}/decision", headers=a, json={"action": "dismiss", "reason": "x"}
    )
    assert late.status_code == 409 and "Dikonfirmasi" in late.json()["detail"]


def test_released_items_return_to_everyone(rt: Runtime, seeded: Seed) -> None:
    client = app_client(rt)
    a, b = auth(seeded.keys["reviewer"]), auth(seeded.keys["reviewer2"])
    item = seeded.jambi[1]
    assert client.post(f"/api/v1/items/{item}/claim", headers=a).status_code == 200
    assert client.delete(f"/api/v1/items/{item}/claim", headers=a).status_code == 204
    assert client.post(f"/api/v1/items/{item}/claim", headers=b).status_code == 200
