"""Issue 13, finding "the rest": credentials in source URLs, CSV export, file modes, secrets."""

from __future__ import annotations

import csv
import io
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from monitor.alerts import subscriptions
from monitor.alerts.models import Subscription
from monitor.core import migrate, secretbox
from monitor.core.base import utcnow
from monitor.core.outbound import OutboundPolicy
from monitor.core.runtime import Runtime, build_runtime
from monitor.core.settings import load_settings
from monitor.keys import service as keys
from monitor.keys.principal import SYSTEM
from monitor.posts.models import Post
from monitor.sources.models import Source
from tests.support.seeds.review import add_post, auth, seed

TOKEN = "tok3n-s3cret-value"
PASSWORD = "pa55-w0rd-value"


pytestmark = pytest.mark.client(unlimited=True)


def test_source_credentials_are_masked_for_non_admins(rt: Runtime, client: TestClient) -> None:
    with rt.session() as s:
        s.add(
            Source(
                name="wp-rahasia",
                kind="wordpress",
                url=f"https://editor:{PASSWORD}@berita.example/wp-json?access_token={TOKEN}&x=1",
                last_error=f"HTTP 401 from https://editor:{PASSWORD}@berita.example/wp-json",
            )
        )
        keyset = {role: keys.create_key(s, role, role)[1] for role in ("admin", "reviewer")}
        keyset["researcher"] = keys.create_key(s, "res", "researcher")[1]
    for role in ("reviewer", "researcher"):
        res = client.get("/api/v1/sources", headers=auth(keyset[role]))
        assert res.status_code == 200
        assert TOKEN not in res.text and PASSWORD not in res.text and "editor" not in res.text
        (row,) = [r for r in res.json() if r["name"] == "wp-rahasia"]
        assert row["url"].startswith("https://***@berita.example/wp-json?access_token=***")
    admin = client.get("/api/v1/sources", headers=auth(keyset["admin"]))
    assert TOKEN in admin.text  # admins manage sources and see what they configured


def test_csv_export_name_formulas_and_bad_dates(rt: Runtime, client: TestClient) -> None:
    with rt.session() as s:
        seeded = seed(s)
        add_post(s, 60, "15.71", "hoax", 'harga naik;=HYPERLINK("http://x")', None)
        add_post(s, 61, "15.71", "hoax", ";@SUM(1+1)", None)
        add_post(s, 62, "15.71", "hoax", "kata\t=1+2 dan ;  +cmd|' /C calc'!A0", None)
    h = auth(seeded.keys["admin"])
    res = client.get("/api/v1/export/items.csv", headers=h)
    assert res.status_code == 200
    disposition = res.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="waspada-items-')
    assert disposition.endswith('.csv"')
    texts = [r["text"] for r in csv.DictReader(io.StringIO(res.text))]
    assert 'harga naik;\'=HYPERLINK("http://x")' in texts
    assert "';'@SUM(1+1)" in texts
    for t in texts:
        for cell in t.replace("\t", ";").split(";"):  # as a semicolon-locale spreadsheet would
            assert not cell.strip().startswith(("=", "+", "-", "@")), t
    for params in (
        {"since": "2024-02-10T00:00:00Z", "until": "2024-02-01T00:00:00Z"},
        {"since": "0001-01-01T00:00:00+14:00"},
        {"until": "9999-12-31T23:59:59-12:00"},
    ):
        bad = client.get("/api/v1/export/items.csv", headers=h, params=params)
        assert bad.status_code == 422, (params, bad.text)
        assert bad.headers["content-type"].startswith("application/problem+json")


def test_data_dir_and_database_are_private(tmp_path: Path) -> None:
    data = tmp_path / "fresh-data"
    settings = load_settings(data_dir=data, database_url=None)
    rt = build_runtime(settings, wait=False)
    try:
        migrate.upgrade(rt.engine)
    finally:
        rt.close()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    db_file = data / "waspada.db"
    assert stat.S_IMODE(db_file.stat().st_mode) == 0o600
    for extra in data.glob("waspada.db-*"):  # WAL and shared-memory files
        assert stat.S_IMODE(extra.stat().st_mode) & 0o077 == 0


def test_webhook_secrets_are_encrypted_at_rest(rt: Runtime) -> None:
    secret = "whsec-plain-0123456789abcdef"
    with rt.session() as s:
        req = subscriptions.SubscriptionRequest(
            name="n", channel="webhook", target="https://hooks.example.org/x", secret=secret
        )
        sub, _ = subscriptions.create(s, SYSTEM, req, policy=OutboundPolicy())
        sub_id = sub.id
    with rt.session() as s:
        raw = s.execute(
            text("SELECT secret FROM subscriptions WHERE id = :i"), {"i": sub_id}
        ).scalar_one()
        assert raw.startswith(secretbox.PREFIX) and secret not in raw
        s.expire_all()
        assert s.get_one(Subscription, sub_id).secret == secret  # the sender still reads it
    other = load_settings(data_dir=rt.settings.data_dir, secrets_key="another-key-entirely")
    with pytest.raises(secretbox.SecretBoxError):
        secretbox.decrypt(raw, other)


def test_database_errors_do_not_quote_post_text(rt: Runtime) -> None:
    marker = "RAHASIA isi postingan pribadi warga"
    with pytest.raises(IntegrityError) as caught, rt.session() as s:
        for _ in range(2):
            s.add(
                Post(
                    platform="rss",
                    external_id="dup-1",
                    text=marker,
                    content_hash="h" * 64,
                    fetched_at=utcnow() - timedelta(minutes=1),
                )
            )
            s.flush()
    assert marker not in str(caught.value)
