"""`waspada ingest` reading each next page's band rows ahead: the same stored rows as in turn."""

from __future__ import annotations

import random
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from monitor.cli.commands import posts as posts_command
from monitor.clusters.readahead import Lookahead, ReadAhead
from monitor.clusters.service import PER_BAND, PageHeads
from monitor.core.db import make_engine
from monitor.core.runtime import Runtime, runtime_for_engine
from monitor.core.settings import Settings
from monitor.flows import arrival
from monitor.posts.schemas import IngestReport
from tests.flows.test_arrival_pipeline import BASE, _snapshot


def _pages(n_pages: int = 5, size: int = 40) -> list[list[tuple[int, dict[str, Any]]]]:
    """Pages whose posts copy, nearly copy or start messages of the pages before them."""
    rng = random.Random(7)

    def word() -> str:
        return "".join(rng.choice("abdegikmnoprstu") for _ in range(rng.randrange(3, 9)))

    messages = [*BASE, *(" ".join(word() for _ in range(14)) for _ in range(25))]
    pages: list[list[tuple[int, dict[str, Any]]]] = []
    line = 0
    for page in range(n_pages):
        batch = []
        for n in range(size):
            line += 1
            if rng.random() < 0.3:  # a new message, copied by later posts
                messages.append(" ".join(word() for _ in range(14)))
                body = messages[-1]
            else:  # a copy, most with a few words changed or added
                body = (
                    rng.choice(messages) + " " + " ".join(word() for _ in range(rng.randrange(3)))
                )
            batch.append((line, {"platform": "file", "external_id": f"{page}-{n}", "text": body}))
        pages.append(batch)
    return pages


@pytest.fixture(params=["sqlite", "postgresql"])
def two_runtimes(
    request: pytest.FixtureRequest,
    migrated_template: Callable[[str], str],
    tmp_path: Path,
    settings: Settings,
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
        name = f"ahead_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template.rsplit("/", 1)[1]}"'))
        admin.dispose()
        urls.append(template.rsplit("/", 1)[0] + f"/{name}")
    runtimes = [runtime_for_engine(settings, make_engine(u)) for u in urls]
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


def test_reading_ahead_stores_what_reading_in_turn_stores(
    two_runtimes: tuple[Runtime, Runtime], monkeypatch: pytest.MonkeyPatch
) -> None:
    in_turn, ahead = two_runtimes
    # Clustering is compared, not scoring: a model an earlier test left loaded in this
    # process would score both stores and stamp different `classified_at` times.
    monkeypatch.setattr(arrival, "loaded_scorer", lambda: None)
    monkeypatch.setattr(posts_command, "READ_AHEAD", False)
    posts_command.store_batches(in_turn, iter(_pages()), IngestReport(), None, None)
    used: list[int] = []
    merge = ReadAhead.band_rows

    def counted(self: ReadAhead) -> tuple[np.ndarray, np.ndarray]:
        used.append(len(self.before.band_keys) if self.before is not None else -1)
        return merge(self)

    monkeypatch.setattr(ReadAhead, "band_rows", counted)
    monkeypatch.setattr(posts_command, "READ_AHEAD", True)
    total = IngestReport()
    posts_command.store_batches(ahead, iter(_pages()), total, None, None)
    assert total.new == 5 * 40 and not total.rejected
    with in_turn.session() as s:
        expected = _snapshot(s)
    with ahead.session() as s:
        got = _snapshot(s)
    assert got == expected
    assert len(expected["clusters"]) >= 5 and len(expected["signatures"]) >= 40
    if ahead.engine.dialect.name == "postgresql":
        # Every page after the first used a read made while the page before was stored,
        # and merged that page's first copies in.
        assert len(used) == 4 and all(n > 0 for n in used)
    else:
        assert used == []  # SQLite reads in turn


def test_a_merged_read_keeps_the_newest_rows_of_each_key_once() -> None:
    keys = np.array([5] * PER_BAND + [6], np.int64)
    heads = np.array([*range(10, 10 + PER_BAND), 3], np.int64)
    # The page before added rows to key 5 (newer than all) and key 7; its row for key 6 was
    # also seen by the read (its thread ran after that page committed).
    before = PageHeads(
        np.array([5, 5, 7, 6], np.int64), np.array([100, 101, 100, 3], np.int64), {100: b"x"}
    )
    read = ReadAhead([], keys, heads, {10: b"y"}, before)
    got_keys, got_heads = read.band_rows()
    rows = sorted(zip(got_keys.tolist(), got_heads.tolist(), strict=True))
    assert rows == sorted(
        [(5, 101), (5, 100)]
        + [(5, h) for h in range(10 + PER_BAND - 1, 10 + PER_BAND - 1 - (PER_BAND - 2), -1)]
        + [(6, 3), (7, 100)]
    )
    assert read.signatures() == {10: b"y", 100: b"x"}
    assert (
        ReadAhead([], keys, heads, {}, PageHeads.empty()).band_rows()[1].tolist() == heads.tolist()
    )


def test_a_page_stored_again_leaves_the_next_pages_read_pending_without_waiting() -> None:
    # A collector's unit retried after a conflict begins the same page again. The read
    # its first attempt started is the next page's and may still wait for that source's
    # fetch: the retry must neither wait for it (its transaction is open) nor spend it.
    fetched = threading.Event()
    look = Lookahead(sessionmaker())  # no read reaches the database here

    def next_source() -> None:
        fetched.wait(30.0)  # the next source is still being fetched

    look.following = next_source
    page: dict[tuple[str, str], Any] = {}
    try:
        assert look.begin_page(page) is None  # starts the next page's read
        pending = look._pending
        assert look.begin_page(page) is None  # the same page again
        assert look._pending is pending and pending is not None and not pending.done()
    finally:
        fetched.set()
        look.close()
