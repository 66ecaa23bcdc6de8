"""The weekly early-warning brief: PDF and HTML per province and kabupaten, scoped (issue 14)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.clusters.models import Cluster
from monitor.core.db import make_engine
from monitor.core.runtime import Runtime, runtime_for_engine
from monitor.core.settings import load_settings
from monitor.keys import service as keys
from monitor.posts.models import Post
from monitor.predictions.models import Prediction
from tests.alerts.seed import HotJambi, auth, hot_jambi
from tests.support.client import app_client
from tests.web.conftest import web_login

# One regions load per session (tests/conftest.py::regions_engine), not one per test.
pytestmark = pytest.mark.regions

DEBUNK = {
    "id": "mafindo-777",
    "title": "[SALAH] Amplop Rp100 ribu dari KPU untuk pemilih Tanjab Timur",
    "url": "https://turnbackhoax.id/2026/11/amplop-kpu",
    "score": 0.91,
    "publisher": "Mafindo",
    "verdict": "false",
}


def _world(rt: Runtime) -> HotJambi:
    with rt.session() as s:
        w = hot_jambi(s, confirmed=5)
        cluster = Cluster(size=6, n_regions=1, growth_rate=6.0)
        s.add(cluster)
        s.flush()
        for pid in w.burst_ids[:6]:
            p = s.get(Post, pid)
            assert p is not None
            p.cluster_id = cluster.id
            p.model_version = "v-test"
            s.add(
                Prediction(
                    post_id=pid,
                    label="hoax",
                    score=0.91,
                    model_version="v-test",
                    explanation={"factcheck": DEBUNK},
                )
            )
        s.flush()
        return w


def _text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF")
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_pdf_for_a_province_and_a_kabupaten(rt: Runtime, client: TestClient) -> None:
    w = _world(rt)
    res = client.get("/api/v1/regions/15/brief", headers=auth(w.keys["liaison-15"]))
    assert res.status_code == 200, res.text
    assert res.headers["content-type"] == "application/pdf"
    assert "laporan-deteksi-dini-15-" in res.headers["content-disposition"]
    text = _text(res.content)
    assert "Laporan deteksi dini" in text and "Jambi" in text
    res = client.get(
        "/api/v1/regions/15.07/brief",
        headers=auth(w.keys["liaison-15.07"]),
        params={"format": "pdf"},
    )
    assert res.status_code == 200, res.text
    text = _text(res.content)
    assert "Tanjung Jabung Timur" in text and "WIB" in text


def test_html_brief_has_narratives_labels_debunks_alerts_and_rank(
    rt: Runtime, client: TestClient
) -> None:
    w = _world(rt)
    res = client.get(
        "/api/v1/regions/15.07/brief", headers=auth(w.keys["admin"]), params={"format": "html"}
    )
    assert res.status_code == 200, res.text
    html = res.text
    assert "Laporan deteksi dini: Kabupaten" in html and "Tanjung Jabung Timur" in html
    assert "Narasi teratas" in html and "amplop" in html.lower()
    assert "Politik uang" in html and "5 dikonfirmasi peninjau" in html
    assert "<svg" in html and "<script" not in html
    assert "Mafindo" in html and 'href="https://turnbackhoax.id/2026/11/amplop-kpu"' in html
    assert "Lonjakan volume" in html  # the open alert
    assert "Peringkat kerawanan: 1 dari" in html and "kabupaten/kota di" in html


def test_liaison_cannot_get_another_regions_brief(rt: Runtime, client: TestClient) -> None:
    w = _world(rt)
    for key, code in (("liaison-31", "15"), ("liaison-15.07", "15"), ("liaison-31", "15.07")):
        res = client.get(f"/api/v1/regions/{code}/brief", headers=auth(w.keys[key]))
        assert res.status_code == 404, (key, code, res.status_code)
        assert res.headers["content-type"].startswith("application/problem+json")
    # The same answer as a region that does not exist.
    res = client.get("/api/v1/regions/15.99/brief", headers=auth(w.keys["liaison-15"]))
    assert res.status_code == 404
    # The liaison's page links their own region's brief; the browser session downloads it.
    browser = app_client(rt, follow_redirects=False)
    web_login(browser, w.keys["liaison-15"])
    page = browser.get("/ui/liaison")
    assert 'href="/api/v1/regions/15/brief?format=pdf"' in page.text
    assert browser.get("/api/v1/regions/15/brief?format=pdf").content.startswith(b"%PDF")
    assert browser.get("/api/v1/regions/31/brief?format=pdf").status_code == 404


def test_empty_period_renders_a_clear_none_brief(rt: Runtime, client: TestClient) -> None:
    w = _world(rt)
    params = {"format": "html", "from": "2020-01-01T00:00:00Z", "to": "2020-01-08T00:00:00Z"}
    res = client.get("/api/v1/regions/15/brief", headers=auth(w.keys["admin"]), params=params)
    assert res.status_code == 200, res.text
    assert "Tidak ada item yang ditandai" in res.text
    assert "Tidak ada narasi" in res.text and "Tidak ada bantahan" in res.text
    params["format"] = "pdf"
    res = client.get("/api/v1/regions/15/brief", headers=auth(w.keys["admin"]), params=params)
    assert "Tidak ada" in _text(res.content)


@pytest.mark.parametrize(
    "params",
    [
        {"format": "exe"},
        {"from": "2026-12-08T00:00:00Z", "to": "2026-12-01T00:00:00Z"},
        {"from": "1733011200"},
        {"from": "2026-12-01T00:00:00"},  # no zone
        {"to": "<script>"},
    ],
)
def test_hostile_parameters_get_a_clear_error(
    rt: Runtime, client: TestClient, params: dict[str, str]
) -> None:
    w = _world(rt)
    res = client.get("/api/v1/regions/15/brief", headers=auth(w.keys["admin"]), params=params)
    assert res.status_code == 422, res.text


@pytest.fixture
def committed(fresh_db_url: str, tmp_path: Path) -> Iterator[Runtime]:
    engine = make_engine(fresh_db_url)
    rt = runtime_for_engine(
        load_settings(data_dir=tmp_path / "d", database_url=fresh_db_url), engine
    )
    yield rt
    rt.close()


def test_cli_writes_pdf_and_html_and_keeps_a_keys_scope(committed: Runtime, tmp_path: Path) -> None:
    with committed.session() as s:
        hot_jambi(s, confirmed=2)
        jakarta, _ = keys.create_key(s, "liaison-jakarta", "liaison", ["31"])
        jambi, _ = keys.create_key(s, "liaison-jambi", "liaison", ["15"])
        ids = (jakarta.id, jambi.id)
    env = {"WASPADA_DATABASE_URL": committed.settings.db_url,
           "WASPADA_DATA_DIR": str(committed.settings.data_dir)}  # fmt: skip
    runner = CliRunner()
    out = tmp_path / "jambi.pdf"
    res = runner.invoke(app, ["brief", "15.07", "--out", str(out)], env=env)
    assert res.exit_code == 0, res.output
    assert "Tanjung Jabung Timur" in _text(out.read_bytes())
    html = tmp_path / "jambi.html"
    res = runner.invoke(app, ["brief", "15", "--out", str(html), "--key-id", str(ids[1])], env=env)
    assert res.exit_code == 0, res.output
    assert "Jambi" in html.read_text(encoding="utf-8")
    # Jakarta's liaison key cannot be used to write Jambi's brief.
    res = runner.invoke(app, ["brief", "15", "--out", str(out), "--key-id", str(ids[0])], env=env)
    assert res.exit_code == 2 and "within the reader's scope" in res.output
    res = runner.invoke(app, ["brief", "99", "--out", str(out)], env=env)
    assert res.exit_code == 2
    res = runner.invoke(app, ["brief", "15", "--out", str(out), "--from", "kemarin"], env=env)
    assert res.exit_code == 2


def test_a_server_without_pango_answers_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """No PDF renderer: a translated 503 naming the packages, never a traceback."""
    import sys

    from monitor.core.errors import Unavailable
    from monitor.desk.brief import render

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import fails as without pango
    with pytest.raises(Unavailable) as raised:
        render.pdf("<p>x</p>")
    assert raised.value.status == 503
    assert "libpango-1.0-0" in raised.value.message("id")
