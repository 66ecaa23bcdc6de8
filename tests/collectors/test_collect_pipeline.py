"""SQLite collection with commits in their own thread: a failed commit costs only its source."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select, text

from monitor.core.db import make_engine
from monitor.core.runtime import Runtime, runtime_for_engine
from monitor.flows.collect import collect_due
from monitor.posts.models import Post
from monitor.sources import service
from monitor.sources.http import HttpClient
from monitor.sources.models import Source
from monitor.sources.schemas import SourceSpec
from tests.collectors.conftest import LOCAL, test_settings


@pytest.fixture
def sqlite_rt(migrated_template: Callable[[str], str], tmp_path: Path) -> Iterator[Runtime]:
    """A fresh committed SQLite database: the commit thread serves SQLite's collection.

    PostgreSQL collects in parallel workers, each committing its own run, unchanged.
    """
    path = tmp_path / "fresh.db"
    shutil.copy(migrated_template("sqlite").removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    rt = runtime_for_engine(test_settings(tmp_path, url), make_engine(url))
    yield rt
    rt.close()


def _rss(name: str, body: str) -> str:
    items = "".join(
        f"<item><title>{name} {i}</title><link>https://{name}.example/{i}</link>"
        f"<guid>{name}-{i}</guid><description>Warga {name} {i}: {body}</description></item>"
        for i in range(2)
    )
    channel = f"<channel><title>{name}</title>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'


def test_a_failed_commit_fails_only_its_source_and_the_next_sources_are_stored(
    sqlite_rt: Runtime, httpserver: HTTPServer, http_client: HttpClient
) -> None:
    fresh_rt = sqlite_rt
    with fresh_rt.engine.begin() as conn:
        # A check the database makes only at COMMIT (as a full disk would fail it there).
        conn.execute(text("CREATE TABLE trap_parent (id INTEGER PRIMARY KEY)"))
        conn.execute(
            text(
                "CREATE TABLE trap (pid INTEGER REFERENCES trap_parent (id) "
                "DEFERRABLE INITIALLY DEFERRED)"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER trap_posts AFTER INSERT ON posts "
                "WHEN NEW.text LIKE '%gagal disimpan%' BEGIN INSERT INTO trap VALUES (-1); END"
            )
        )
    bodies = {"aceh": "antrean TPS panjang", "bali": "gagal disimpan", "jambi": "logistik tiba"}
    with fresh_rt.session() as s:
        for name, body in bodies.items():
            httpserver.expect_request(f"/{name}").respond_with_data(
                _rss(name, body), content_type="text/xml"
            )
            spec = SourceSpec(name=name, kind="rss", url=httpserver.url_for(f"/{name}"))
            service.add(s, spec, "test", policy=LOCAL)
    reports = {r.name: r for r in collect_due(fresh_rt, http_client, worker="w")}
    assert set(reports) == set(bodies)
    assert reports["aceh"].error is None and reports["jambi"].error is None
    assert reports["aceh"].new == 2 and reports["jambi"].new == 2
    failed = reports["bali"]
    assert failed.error is not None and "IntegrityError" in failed.error and failed.fetched == 2
    with fresh_rt.session() as s:
        stored = sorted(str(t) for t in s.scalars(select(Post.title)))
        bali = s.scalar(select(Source).where(Source.name == "bali"))
    assert stored == ["aceh 0", "aceh 1", "jambi 0", "jambi 1"]
    assert bali is not None and bali.failure_count == 1 and bali.lease_owner is None
    assert bali.last_success_at is None  # the run's cursor and stats rolled back with it
