"""Collectors in turn reading each next source's band rows ahead: the same rows as without.

Real parts only: a spawned fetch helper, real HTTP on 127.0.0.1, real SQLite files and
PostgreSQL databases. The sources mix near copies of each other's messages with a
fact-checker, an empty feed and a failing one (none of which stores a page).
"""

from __future__ import annotations

import random
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select, text

from monitor.clusters.readahead import ReadAhead
from monitor.core.db import make_engine
from monitor.core.runtime import Runtime, runtime_for_engine
from monitor.factchecks.models import FactCheck
from monitor.flows import collect
from monitor.flows.fetch_helper import FetchHelper
from monitor.sources import service
from monitor.sources.http import HttpClient
from monitor.sources.models import Source
from monitor.sources.schemas import SourceSpec
from tests.collectors.conftest import LOCAL, test_settings
from tests.flows.test_arrival_pipeline import _snapshot

# In claim order: pages, a fact-checker, an empty feed and a 404 between them, then pages
# in a row (each read ahead while the one before stores).
FEEDS = ("s0", "fc", "s1", "empty", "s2", "broken", "s3", "s4", "s5")
PAGES = ("s0", "s1", "s2", "s3", "s4", "s5")


def _bodies() -> dict[str, list[str]]:
    """Per source, 30 messages: new ones, copied (nearly or exactly) by later sources."""
    rng = random.Random(11)

    def word() -> str:
        return "".join(rng.choice("abdegikmnoprstu") for _ in range(rng.randrange(3, 9)))

    messages = [" ".join(word() for _ in range(14)) for _ in range(10)]
    out: dict[str, list[str]] = {}
    for name in PAGES:
        bodies = []
        for _ in range(30):
            if rng.random() < 0.3:
                messages.append(" ".join(word() for _ in range(14)))
                bodies.append(messages[-1])
            else:
                extra = " ".join(word() for _ in range(rng.randrange(3)))
                bodies.append(f"{rng.choice(messages)} {extra}".strip())
        out[name] = bodies
    return out


def _rss(name: str, bodies: list[str]) -> str:
    items = "".join(
        f"<item><title>{name} {i}</title><link>https://{name}.example/{i}</link>"
        f"<guid>{name}-{i}</guid><description>{escape(body)}</description></item>"
        for i, body in enumerate(bodies)
    )
    channel = f"<channel><title>{name}</title>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'


@pytest.fixture(params=["sqlite", "postgresql"])
def two_runtimes(
    request: pytest.FixtureRequest, migrated_template: Callable[[str], str], tmp_path: Path
) -> Iterator[tuple[Runtime, Runtime]]:
    """Two fresh, migrated, committed databases of one backend, each with a pooled runtime."""
    template = migrated_template(request.param)
    urls = []
    for n in range(2):
        if request.param == "sqlite":
            path = tmp_path / f"db{n}.db"
            shutil.copy(template.removeprefix("sqlite:///"), path)
            urls.append(f"sqlite:///{path}")
            continue
        admin = make_engine(template.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        name = f"collect_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template.rsplit("/", 1)[1]}"'))
        admin.dispose()
        urls.append(template.rsplit("/", 1)[0] + f"/{name}")
    runtimes = [
        runtime_for_engine(test_settings(tmp_path, u, collect_batch=16), make_engine(u))
        for u in urls
    ]
    yield runtimes[0], runtimes[1]
    for rt, url in zip(runtimes, urls, strict=True):
        rt.close()
        if url.startswith("postgresql"):
            admin = make_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(
                    text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
                )
            admin.dispose()


@pytest.fixture
def helper() -> Iterator[FetchHelper]:
    """A ready helper of the test's own."""
    h = FetchHelper()
    assert h.wait_ready(120.0)
    yield h
    h.close()


def _serve(server: HTTPServer, runtimes: tuple[Runtime, ...]) -> None:
    bodies = _bodies()
    for name in PAGES:
        server.expect_request(f"/{name}").respond_with_data(
            _rss(name, bodies[name]), content_type="text/xml"
        )
    server.expect_request("/fc").respond_with_data(
        _rss("fc", ["Klaim vaksin berbahaya: salah", "Surat suara tercoblos: hoaks"]),
        content_type="text/xml",
    )
    server.expect_request("/empty").respond_with_data(_rss("empty", []), content_type="text/xml")
    server.expect_request("/broken").respond_with_data("gone", status=404)
    for rt in runtimes:
        with rt.session() as s:
            for name in FEEDS:
                spec = SourceSpec(
                    name=name,
                    kind="rss",
                    url=server.url_for(f"/{name}"),
                    factchecker=name == "fc",
                    config={"publisher": "CekFakta"} if name == "fc" else {},
                )
                service.add(s, spec, "test", policy=LOCAL)


def _stored(rt: Runtime) -> tuple[object, ...]:
    with rt.session() as s:
        sources = sorted(
            (n, ok, f)
            for n, ok, f in s.execute(
                select(Source.name, Source.last_success_at.is_not(None), Source.failure_count)
            )
        )
        checks = sorted(s.scalars(select(FactCheck.external_id)))
        return _snapshot(s), sources, checks


def test_collecting_in_turn_with_the_read_ahead_stores_what_it_stores_without(
    two_runtimes: tuple[Runtime, Runtime],
    httpserver: HTTPServer,
    http_client: HttpClient,
    helper: FetchHelper,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    without, ahead = two_runtimes
    _serve(httpserver, (without, ahead))
    monkeypatch.setattr(collect, "_own_connections", lambda rt: False)
    plain = {r.name: r for r in collect.collect_due(without, http_client, "w", helper)}
    monkeypatch.undo()
    used: list[int] = []
    merge = ReadAhead.band_rows

    def counted(self: ReadAhead) -> tuple[np.ndarray, np.ndarray]:
        used.append(len(self.before.band_keys) if self.before is not None else -1)
        return merge(self)

    monkeypatch.setattr(ReadAhead, "band_rows", counted)
    read = {r.name: r for r in collect.collect_due(ahead, http_client, "w", helper)}
    assert list(read) == list(FEEDS) == list(plain)
    for name in FEEDS:
        a, b = plain[name], read[name]
        assert (a.new, a.duplicates, a.factchecks, a.error) == (
            b.new,
            b.duplicates,
            b.factchecks,
            b.error,
        )
    assert all(read[n].new == 30 for n in PAGES) and read["fc"].factchecks == 2
    assert read["broken"].error is not None and read["empty"].error is None
    expected, got = _stored(without), _stored(ahead)
    assert got == expected
    assert len(expected[0]["clusters"]) >= 5
    if ahead.engine.dialect.name == "postgresql":
        # s4 and s5 (each after a source that stored a page) used the read made while the
        # source before stored, with that source's first copies merged in.
        assert len(used) == 2 and all(n > 0 for n in used)
    else:
        assert used == []  # SQLite reads in turn
