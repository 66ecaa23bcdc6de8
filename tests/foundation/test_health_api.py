"""Health probes and the shared API behaviour (problem details, request ids, body limits)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from monitor.core.runtime import Runtime
from monitor.modelversions.models import ModelVersion
from monitor.scheduler import repository as heartbeats
from tests.support.client import app_client


def test_healthz_and_request_id(rt: Runtime) -> None:
    client = app_client(rt)
    res = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert res.status_code == 200 and res.json() == {"status": "ok"}
    assert res.headers["x-request-id"] == "abc-123"
    hostile = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert hostile.headers["x-request-id"] != "<script>"


def test_readyz_reports_each_check(rt: Runtime, db: Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    client = app_client(rt)
    res = client.get("/readyz")
    assert res.status_code == 503
    checks = res.json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["model"]["ok"] is False and checks["scheduler"]["ok"] is False

    artifact = tmp_path / "m.skops"
    artifact.write_bytes(b"x")
    with rt.session() as s:
        s.add(ModelVersion(version="v1", path=str(artifact), sha256="0" * 64, is_promoted=True))
        heartbeats.beat(s, "scheduler")
    res = client.get("/readyz")
    # Issue 13: a file that exists but cannot load (here junk) is not ready; the ready case
    # with a real model is in tests/security/test_audit_chain.py.
    assert res.status_code == 503, res.json()
    model = res.json()["checks"]["model"]
    assert model["version"] == "v1" and "cannot load or score" in model["error"]
    assert res.json()["checks"]["scheduler"]["ok"] is True


def test_errors_are_problem_details(rt: Runtime) -> None:
    client = app_client(rt)
    res = client.get("/no-such-path")
    assert res.status_code == 404
    assert res.headers["content-type"].startswith("application/problem+json")
    assert res.json()["status"] == 404 and res.json()["title"] == "Tidak ditemukan"


def test_oversized_body_is_rejected(rt: Runtime) -> None:
    client = app_client(rt)
    res = client.post("/healthz", content=b"x" * (6 * 1024 * 1024))
    assert res.status_code == 413
    assert res.json()["title"] == "Isi permintaan terlalu besar"


def test_openapi_and_docs_are_served(rt: Runtime) -> None:
    client = app_client(rt)
    assert client.get("/openapi.json").json()["info"]["title"] == "Waspada"
    assert client.get("/docs").status_code == 200
