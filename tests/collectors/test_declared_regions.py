"""A region the sender declares survives the arrival steps and reaches that region's liaison.

Through the service, `waspada ingest FILE` and POST /api/v1/ingest, on both databases, with
and without a place name in the text; re-tagging replaces text matches only.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.core.runtime import Runtime
from monitor.flows import arrival
from monitor.keys import service as keys
from monitor.keys.principal import Principal
from monitor.posts import repository as posts_repo
from monitor.posts.models import Post
from monitor.posts.regiontags import tag_posts
from monitor.posts.schemas import PostIn
from monitor.posts.scope import visible_posts
from monitor.regions.service import load_regions
from tests.support.client import app_client

JAMBI = Principal(key_id=None, name="Bawaslu Jambi", role="liaison", regions=("15",))
# 15.05 is Kabupaten Tebo; neither text names it, the second names a Jakarta city instead.
TIPS = [
    {
        "platform": "tipline",
        "external_id": "wa-1",
        "region_code": "15.05",
        "text": ("Ada bagi-bagi amplop di TPS 3 pagi ini, warga diminta coblos nomor dua"),
    },
    {
        "platform": "tipline",
        "external_id": "wa-2",
        "region_code": "15.05",
        "text": ("Relawan dari Jaksel membagikan sembako sambil mengajak pilih paslon"),
    },
]


def _visible(session: Session, principal: Principal) -> set[str]:
    rows = session.scalars(select(Post.external_id).where(visible_posts(principal)))
    return {r for r in rows if r is not None}


def _origins(session: Session, external_id: str) -> dict[str, str]:
    pid = session.scalar(select(Post.id).where(Post.external_id == external_id))
    assert pid is not None
    return {r.region_code: r.origin for r in posts_repo.post_regions(session, pid)}


def test_declared_region_survives_tagging_with_and_without_a_place_name(db: Session) -> None:
    load_regions(db, with_districts=False)
    arrival.arrive(db, [PostIn.model_validate(t) for t in TIPS])
    assert _visible(db, JAMBI) == {"wa-1", "wa-2"}
    assert _origins(db, "wa-1") == {"15.05": "sender"}
    assert _origins(db, "wa-2") == {"15.05": "sender", "31.74": "text"}
    jakarta = Principal(key_id=None, name="Bawaslu DKI", role="liaison", regions=("31",))
    assert _visible(db, jakarta) == {"wa-2"}

    # Re-tagging after an edit replaces the text matches and keeps the declaration.
    post = db.scalars(select(Post).where(Post.external_id == "wa-2")).one()
    post.text = "Relawan dari Kota Jambi membagikan sembako"
    tag_posts(db, [post])
    assert _origins(db, "wa-2") == {"15.05": "sender", "15.71": "text"}
    assert _visible(db, jakarta) == set()


def test_declaration_wins_over_a_text_match_of_the_same_region(db: Session) -> None:
    load_regions(db, with_districts=False)
    tip = {"platform": "tipline", "external_id": "wa-3", "region_code": "15.71"}
    arrival.arrive(db, [PostIn.model_validate({**tip, "text": "Amplop beredar di Kota Jambi"})])
    assert _origins(db, "wa-3") == {"15.71": "sender"}
    post = db.scalars(select(Post).where(Post.external_id == "wa-3")).one()
    tag_posts(db, [post])  # the text match of the same code must not replace the declaration
    assert _origins(db, "wa-3") == {"15.71": "sender"}


def test_unknown_or_hostile_declarations_cost_only_the_tag(
    db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    load_regions(db, with_districts=False)
    odd = ["99.99", "15'; DROP TABLE x--", "../15", "15.05.01.99.99.9"]
    items = [
        PostIn(
            platform="tipline", external_id=f"odd-{i}", text="Amplop di Kota Jambi", region_code=c
        )
        for i, c in enumerate(odd)
    ]
    with caplog.at_level(logging.WARNING):
        out = arrival.arrive(db, items)
    assert out.report.new == len(odd)
    assert "unknown region codes ignored" in caplog.text
    for i in range(len(odd)):
        # The text match still tags the post; the bad declaration is dropped.
        assert _origins(db, f"odd-{i}") == {"15.71": "text"}


def test_declared_kecamatan_rolls_up_when_kecamatan_are_not_loaded(db: Session) -> None:
    load_regions(db, with_districts=False)
    tip = {"platform": "tipline", "external_id": "wa-4", "text": "Ada amplop di sini"}
    arrival.arrive(db, [PostIn.model_validate({**tip, "region_code": "15.05.01"})])
    assert _origins(db, "wa-4") == {"15.05": "sender"}


# --- the two edges, on fresh committed databases -------------------------------------------


def test_ingest_cli_declared_region_reaches_the_liaison(fresh_rt: Runtime, tmp_path: Path) -> None:
    tips = tmp_path / "tips.jsonl"
    tips.write_text("\n".join(json.dumps(t) for t in TIPS) + "\n", encoding="utf-8")
    env = {
        "WASPADA_DATABASE_URL": fresh_rt.settings.db_url,
        "WASPADA_DATA_DIR": str(fresh_rt.settings.data_dir),
    }
    res = CliRunner().invoke(app, ["ingest", str(tips)], env=env)
    assert res.exit_code == 0, res.stdout + res.stderr
    with fresh_rt.session() as s:  # the regions table was empty: arrival loaded it first
        assert _visible(s, JAMBI) == {"wa-1", "wa-2"}
        assert _origins(s, "wa-1") == {"15.05": "sender"}


def test_push_api_declared_region_reaches_the_liaison(fresh_rt: Runtime) -> None:
    api = app_client(fresh_rt)
    with fresh_rt.session() as s:
        _, admin = keys.create_key(s, "partner", "admin", [])
        _, liaison = keys.create_key(s, "Bawaslu Jambi", "liaison", ["15"])
        _, dki = keys.create_key(s, "Bawaslu DKI", "liaison", ["31"])
    res = api.post("/api/v1/ingest", json={"posts": TIPS}, headers=_bearer(admin))
    assert res.status_code == 200 and res.json()["new"] == 2, res.text
    with fresh_rt.session() as s:
        ids = dict(s.execute(select(Post.external_id, Post.id)).tuples().all())
    for external_id in ("wa-1", "wa-2"):
        seen = api.get(f"/api/v1/items/{ids[external_id]}", headers=_bearer(liaison))
        assert seen.status_code == 200, seen.text
        regions = {r["code"]: r["origin"] for r in seen.json()["region_details"]}
        assert regions["15.05"] == "sender"
    assert api.get(f"/api/v1/items/{ids['wa-1']}", headers=_bearer(dki)).status_code == 404


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
