"""A key verified before is checked and charged in one statement (PostgreSQL): fresh row,
no token spent for a wrong secret, a revoked or an expired key, the same bucket as the
limiter's, and the API answers through it (401 on revocation at once, 429 when spent)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from api.auth.ratelimit import SharedRateLimiter, limiter_for
from monitor.core.base import utcnow
from monitor.core.runtime import Runtime, build_runtime
from monitor.core.settings import load_settings
from monitor.keys import hashing
from monitor.keys import service as keys
from monitor.keys.models import ApiKey, RateBucket
from tests.support.client import app_client

PG = pytest.mark.parametrize("fresh_db_url", ["postgresql"], indirect=True)


def _runtime(url: str, tmp_path: Path, **overrides: object) -> Runtime:
    return build_runtime(load_settings(data_dir=tmp_path / "d", database_url=url, **overrides))


def _tokens(rt: Runtime, actor: str) -> float | None:
    with rt.session() as s:
        return s.scalar(select(RateBucket.tokens).where(RateBucket.actor == actor))


@PG
def test_one_statement_checks_the_key_and_spends_its_token(
    fresh_db_url: str, tmp_path: Path
) -> None:
    rt = _runtime(fresh_db_url, tmp_path)
    try:
        with rt.session() as s:
            key, plain = keys.create_key(s, "fast", "liaison", ["32"])
            key_id = key.id
        limiter = limiter_for(rt, rate=0.001, burst=3)
        assert isinstance(limiter, SharedRateLimiter)
        # Not yet verified in this process: the fast path declines and spends nothing.
        keys._cache.clear()
        assert limiter.check_key(plain) is None
        with rt.session() as s:
            principal = keys.verify_key(s, plain)
        assert principal is not None
        assert _tokens(rt, principal.actor) is None
        spent = limiter.check_key(plain)
        assert spent is not None and spent.principal == principal
        assert spent.allowed and limiter.wait_of(spent) == 0
        # The bucket is the limiter's own (same actor), so both paths share one budget.
        assert _tokens(rt, principal.actor) == pytest.approx(2, abs=0.01)
        with rt.session() as s:
            assert s.get(ApiKey, key_id).last_used_at is not None  # type: ignore[union-attr]

        # A guess with the same prefix and a wrong secret: no fast path, no token spent.
        prefix = hashing.parse(plain)
        assert prefix is not None
        forged = plain[:-6] + ("AAAAAA" if not plain.endswith("AAAAAA") else "BBBBBB")
        assert hashing.parse(forged) == prefix
        assert limiter.check_key(forged) is None
        assert _tokens(rt, principal.actor) == pytest.approx(2, abs=0.01)

        for _ in range(2):
            assert limiter.check_key(plain).allowed  # type: ignore[union-attr]
        empty = limiter.check_key(plain)
        assert empty is not None and not empty.allowed and limiter.wait_of(empty) > 0

        # Revoked in another process: refused on the next check, nothing spent.
        with rt.session() as s:
            s.execute(update(ApiKey).where(ApiKey.id == key_id).values(revoked_at=utcnow()))
        before = _tokens(rt, principal.actor)
        revoked = limiter.check_key(plain)
        assert revoked is not None and revoked.principal is None
        assert _tokens(rt, principal.actor) == pytest.approx(before, abs=0.01)
    finally:
        rt.close()


@PG
def test_expired_key_is_refused_on_the_fast_path(fresh_db_url: str, tmp_path: Path) -> None:
    rt = _runtime(fresh_db_url, tmp_path)
    try:
        with rt.session() as s:
            key, plain = keys.create_key(
                s, "soon", "reviewer", expires_at=utcnow() + timedelta(hours=1)
            )
            key_id = key.id
            assert keys.verify_key(s, plain) is not None
        with rt.session() as s:
            s.execute(
                update(ApiKey)
                .where(ApiKey.id == key_id)
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )
        spent = limiter_for(rt, 10, 10).check_key(plain)  # type: ignore[attr-defined]
        assert spent is not None and spent.principal is None
    finally:
        rt.close()


@PG
def test_the_api_answers_through_the_fast_path(fresh_db_url: str, tmp_path: Path) -> None:
    rt = _runtime(fresh_db_url, tmp_path, api_rate_limit=0.001, api_rate_burst=3)
    try:
        with rt.session() as s:
            key, plain = keys.create_key(s, "client", "reviewer")
            key_id = key.id
        client = app_client(rt)
        auth = {"Authorization": f"Bearer {plain}"}
        codes = [client.get("/api/v1/items", headers=auth).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]  # first by scrypt, then one statement each
        with rt.session() as s:
            s.execute(update(ApiKey).where(ApiKey.id == key_id).values(revoked_at=utcnow()))
        assert client.get("/api/v1/items", headers=auth).status_code == 401
    finally:
        rt.close()
