"""The push and file edges (POST /api/v1/ingest, `waspada ingest FILE`) and source health
(GET /api/v1/sources, `waspada sources ...`): same validation, auth, exit codes, no loss."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pytest_httpserver import HTTPServer
from sqlalchemy import func, select
from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.core.outbound import OutboundPolicy
from monitor.core.runtime import Runtime
from monitor.keys import service as keys
from monitor.posts.models import Post
from monitor.sources import service as sources
from monitor.sources.schemas import SourceSpec
from tests.collectors.conftest import fixture_bytes
from tests.support.client import app_client

GOOD = [
    {"platform": "tipline", "external_id": "t1", "text": "Ada bagi-bagi amplop di TPS 3 pagi ini"},
    {"platform": "tipline", "external_id": "t2", "text": "Petugas KPPS datang terlambat ke TPS"},
]

# The test servers listen on 127.0.0.1: allow-listed explicitly.
LOCAL = OutboundPolicy.allowing("127.0.0.1")


@pytest.fixture
def api(rt: Runtime) -> TestClient:
    """The real app on the test's rolled-back database."""
    return app_client(rt)


def _key(rt: Runtime, role: str, regions: tuple[str, ...] = ()) -> dict[str, str]:
    with rt.session() as s:
        _, plaintext = keys.create_key(s, f"{role}-key", role, list(regions))
    return {"Authorization": f"Bearer {plaintext}"}


def _posts(rt: Runtime) -> int:
    with rt.session() as s:
        return int(s.scalar(select(func.count()).select_from(Post)) or 0)


def test_push_ingest_stores_valid_reports_rejected_and_is_idempotent(
    api: TestClient, rt: Runtime
) -> None:
    admin = _key(rt, "admin")
    bad = {"platform": "tipline", "external_id": "t9", "text": "x", "published_at": "2024-01-01"}
    res = api.post("/api/v1/ingest", json={"posts": [*GOOD, bad]}, headers=admin)
    assert res.status_code == 200, res.text
    body = res.json()
    assert (body["received"], body["new"]) == (3, 2)
    assert [r["index"] for r in body["rejected"]] == [2]
    assert "timezone" in body["rejected"][0]["errors"][0]  # naive dates are refused
    again = api.post("/api/v1/ingest", json={"posts": GOOD}, headers=admin).json()
    assert again["new"] == 0 and again["rejected"] == []
    assert _posts(rt) == 2


def test_push_ingest_attributes_to_a_source_and_refuses_unknown_ones(
    api: TestClient, rt: Runtime
) -> None:
    with rt.session() as s:
        sources.add(
            s,
            SourceSpec(name="tipline", kind="rss", url="https://x.example/f", language="id"),
            "t",
            policy=LOCAL,
        )
    admin = _key(rt, "admin")
    ok = api.post("/api/v1/ingest", json={"posts": GOOD[:1], "source": "tipline"}, headers=admin)
    assert ok.status_code == 200 and ok.json()["new"] == 1
    with rt.session() as s:
        post = s.scalar(select(Post).where(Post.external_id == "t1"))
        assert post is not None and post.source_id is not None
    unknown = api.post("/api/v1/ingest", json={"posts": GOOD, "source": "nope"}, headers=admin)
    assert unknown.status_code == 422 and "nope" in unknown.text
    assert _posts(rt) == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"posts": []}, 422),
        ({"posts": [GOOD[0]] * 1001}, 422),
        ({"items": GOOD}, 422),
        ({"posts": "not a list"}, 422),
    ],
)
def test_push_ingest_refuses_malformed_batches(
    api: TestClient, rt: Runtime, body: dict[str, object], status: int
) -> None:
    res = api.post("/api/v1/ingest", json=body, headers=_key(rt, "admin"))
    assert res.status_code == status
    assert _posts(rt) == 0


def test_push_ingest_needs_an_admin_key(api: TestClient, rt: Runtime) -> None:
    assert api.post("/api/v1/ingest", json={"posts": GOOD}).status_code == 401
    for role in ("reviewer", "researcher"):
        res = api.post("/api/v1/ingest", json={"posts": GOOD}, headers=_key(rt, role))
        assert res.status_code == 403
    garbage = api.post(
        "/api/v1/ingest",
        content=b"{not json",
        headers={**_key(rt, "admin"), "Content-Type": "application/json"},
    )
    assert garbage.status_code == 422
    assert _posts(rt) == 0


def test_sources_api_shows_health_and_is_role_gated(
    api: TestClient, rt: Runtime, httpserver: HTTPServer
) -> None:
    from monitor.flows.collect import collect_due
    from monitor.sources.http import HttpClient

    httpserver.expect_request("/ok").respond_with_data(
        fixture_bytes("rss2.xml"), content_type="application/rss+xml"
    )
    httpserver.expect_request("/down").respond_with_data("no", status=503)
    with rt.session() as s:
        sources.add(
            s,
            SourceSpec(name="sehat", kind="rss", url=httpserver.url_for("/ok")),
            "t",
            policy=LOCAL,
        )
        sources.add(
            s,
            SourceSpec(name="sakit", kind="rss", url=httpserver.url_for("/down")),
            "t",
            policy=LOCAL,
        )
    with HttpClient(policy=LOCAL, user_agent="t", host_interval=0.0) as client:
        collect_due(rt, client, worker="w")
    res = api.get("/api/v1/sources", headers=_key(rt, "reviewer"))
    assert res.status_code == 200
    by_name = {s["name"]: s for s in res.json()}
    assert by_name["sehat"]["failure_count"] == 0 and by_name["sehat"]["stats"]["total_new"] == 3
    assert by_name["sehat"]["last_success_at"] is not None
    assert by_name["sakit"]["failure_count"] == 1 and "503" in by_name["sakit"]["last_error"]
    assert by_name["sakit"]["stats"]["errors"] == 1
    assert api.get("/api/v1/sources").status_code == 401
    assert api.get("/api/v1/sources", headers=_key(rt, "liaison", ("31",))).status_code == 403


# --- CLI on a committed database ----------------------------------------------------------


@pytest.fixture
def cli_env(fresh_rt: Runtime) -> dict[str, str]:
    """Environment pointing the CLI at the fresh committed database."""
    return {
        "WASPADA_DATABASE_URL": fresh_rt.settings.db_url,
        "WASPADA_DATA_DIR": str(fresh_rt.settings.data_dir),
        "WASPADA_HTTP_HOST_INTERVAL": "0",
    }


def test_ingest_file_jsonl_and_csv(
    fresh_rt: Runtime, cli_env: dict[str, str], tmp_path: Path
) -> None:
    runner = CliRunner()
    jsonl = tmp_path / "tips.jsonl"
    jsonl.write_bytes(
        b"\n".join(
            [
                json.dumps(GOOD[0]).encode(),
                b"{broken",
                json.dumps(GOOD[1]).encode(),
                b"",
                json.dumps({"external_id": "t3", "text": ""}).encode(),
            ]
        )
    )
    res = runner.invoke(app, ["ingest", str(jsonl)], env=cli_env)
    assert res.exit_code == 1  # some lines were rejected; the good ones are stored
    assert "stored: 2 new" in res.stdout and "rejected: 2" in res.stdout
    assert "line 2: invalid JSON" in res.stderr and "line 5:" in res.stderr
    assert _posts(fresh_rt) == 2
    again = runner.invoke(app, ["ingest", str(jsonl), "--json"], env=cli_env)
    report = json.loads(again.stdout.strip().splitlines()[-1])
    assert report["new"] == 0 and _posts(fresh_rt) == 2  # idempotent

    csv_file = tmp_path / "export.csv"
    csv_file.write_text(
        "external_id,text,url\n"
        'c1,"Warga antusias datang ke TPS, antrean panjang",https://x.example/a?utm_source=wa\n'
        "c2,Pengawas mencatat dugaan politik uang di desa,\n",
        encoding="utf-8",
    )
    ok = runner.invoke(app, ["ingest", str(csv_file), "--platform", "partner"], env=cli_env)
    assert ok.exit_code == 0, ok.stdout + ok.stderr
    with fresh_rt.session() as s:
        row = s.scalar(select(Post).where(Post.external_id == "c1"))
        assert row is not None and row.platform == "partner"
        assert row.canonical_url == "https://x.example/a"


def test_ingest_file_refuses_what_it_cannot_read(cli_env: dict[str, str], tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(app, ["ingest", str(tmp_path / "nope.jsonl")], env=cli_env)
    assert missing.exit_code == 2
    odd = tmp_path / "data.bin"
    odd.write_bytes(b"\x00\x01")
    unknown = runner.invoke(app, ["ingest", str(odd)], env=cli_env)
    assert unknown.exit_code == 2 and "--format" in unknown.stderr
    nosource = tmp_path / "x.jsonl"
    nosource.write_text(json.dumps(GOOD[0]) + "\n")
    res = runner.invoke(app, ["ingest", str(nosource), "--source", "ghost"], env=cli_env)
    assert res.exit_code == 2 and "ghost" in res.stderr


def test_sources_cli_add_list_run_disable_enable(
    fresh_rt: Runtime, cli_env: dict[str, str], httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        fixture_bytes("rss2.xml"), content_type="application/rss+xml"
    )
    runner = CliRunner()
    url = httpserver.url_for("/feed")
    added = runner.invoke(
        app,
        ["sources", "add", "lokal", "--kind", "rss", "--url", url, "--interval", "1h"],
        env=cli_env,
    )
    assert added.exit_code == 0 and "first fetch is due now" in added.stdout
    dup = runner.invoke(
        app, ["sources", "add", "lokal", "--kind", "rss", "--url", url], env=cli_env
    )
    assert dup.exit_code == 1 and "already exists" in dup.stderr
    bad = runner.invoke(
        app, ["sources", "add", "Bad Name", "--kind", "rss", "--url", url], env=cli_env
    )
    assert bad.exit_code == 2 and "name" in bad.stderr
    ran = runner.invoke(app, ["sources", "run", "lokal"], env=cli_env)
    assert ran.exit_code == 0 and "fetched 3, new 3" in ran.stdout
    listed = runner.invoke(app, ["sources", "list"], env=cli_env)
    assert listed.exit_code == 0
    line = next(row for row in listed.stdout.splitlines() if row.startswith("lokal"))
    assert " ok " in line and " 3 " in line
    as_json = json.loads(runner.invoke(app, ["sources", "list", "--json"], env=cli_env).stdout)
    assert as_json[0]["stats"]["total_new"] == 3
    off = runner.invoke(app, ["sources", "disable", "lokal", "--reason", "noisy"], env=cli_env)
    assert off.exit_code == 0
    after = runner.invoke(app, ["sources", "list"], env=cli_env).stdout
    assert "disabled" in after and "noisy" in after  # who switched it off, and why
    assert runner.invoke(app, ["sources", "enable", "lokal"], env=cli_env).exit_code == 0
    missing = runner.invoke(app, ["sources", "run", "ghost"], env=cli_env)
    assert missing.exit_code == 1 and "no source named ghost" in missing.stderr
    assert _posts(fresh_rt) == 3
