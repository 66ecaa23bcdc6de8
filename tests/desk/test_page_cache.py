"""Flat queue pages from statements cached per filter shape: same rows as a statement built
afresh, each request's values (filters, cursor, limit, clock) bound anew, and a cached
statement never carries one caller's region scope to another."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.core.base import utcnow
from monitor.desk import pagerows, queue
from monitor.keys.principal import Principal
from monitor.posts.models import Post, PostRegion
from monitor.regions.models import Region
from tests.support.posts import make_post

REVIEWER = Principal(key_id=1, name="r", role="reviewer")
WEST_JAVA = Principal(key_id=2, name="l32", role="liaison", regions=("32",))
PAPUA = Principal(key_id=3, name="l91", role="liaison", regions=("91",))


def _seed(session: Session) -> None:
    for code, name, level, parent in (
        ("32", "Jawa Barat", "province", None),
        ("32.01", "Kab. Bogor", "regency", "32"),
        ("91", "Papua", "province", None),
        ("91.01", "Kab. Merauke", "regency", "91"),
    ):
        if session.get(Region, code) is None:
            session.add(Region(code=code, name=name, level=level, parent_code=parent))
    session.flush()
    now = utcnow()
    for i in range(24):
        text = f"amplop serangan fajar {i}" if i % 3 == 0 else f"kabar pemilu {i}"
        post = make_post(
            session,
            text,
            platform="telegram" if i % 2 else "x",
            external_id=f"cache-{i}",
            fetched_at=now - timedelta(minutes=i),
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
            flagged=True,
            labels=["hoax"] if i % 4 else ["money_politics"],
            max_score=0.5 + i / 100,
            priority=0.3 + (i * 7 % 24) / 50,
            review_status="new" if i % 5 else "confirmed",
        )
        province = "32" if i % 2 else "91"
        session.add(
            PostRegion(
                post_id=post.id,
                region_code=f"{province}.01",
                province_code=province,
                origin="text",
                evidence="x",
            )
        )
    session.flush()


def _fresh(session: Session, who: Principal, f: queue.ItemFilters, **kw: Any) -> list[int]:
    stmt = pagerows.flat_statement(session, who, f, **kw)
    return [r.id for r in pagerows.execute(session, stmt)]


def _walk(session: Session, who: Principal, f: queue.ItemFilters, sort: str) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        rows, cursor = pagerows.flat_rows(session, who, f, sort, cursor, 5)
        pages.append([r.id for r in rows])
        if cursor is None:
            return pages


def test_cached_pages_match_fresh_statements_for_every_shape(db: Session) -> None:
    _seed(db)
    pagerows._FLAT_PAGES.clear()
    since = utcnow() - timedelta(minutes=15)
    shapes = [
        queue.ItemFilters(),
        queue.ItemFilters(statuses=("new",)),
        queue.ItemFilters(statuses=("new",), labels=("money_politics",)),
        queue.ItemFilters(min_score=0.6, max_score=0.7),
        queue.ItemFilters(min_score=0.55),
        queue.ItemFilters(platform="telegram"),
        queue.ItemFilters(platform="x"),
        queue.ItemFilters(since=since),
        queue.ItemFilters(until=since),
        queue.ItemFilters(q="amplop"),
        queue.ItemFilters(region_codes=("32",), regions_requested=True),
        queue.ItemFilters(region_codes=("91.01",), regions_requested=True),
    ]
    # Same shapes with other values (telegram/x, cursors page after page) reuse statements.
    for n, f in enumerate(shapes):
        who, sort = (REVIEWER, "priority") if n % 2 else (PAPUA, "time")
        pages = _walk(db, who, f, sort)
        walked = [i for p in pages for i in p]
        assert walked == _fresh(db, who, f, sort=sort, limit=100), (f, who, sort)
        assert all(len(p) <= 5 for p in pages)
    # The same shape for the other caller: a second statement, not the first one reused.
    f = queue.ItemFilters(statuses=("new",))
    assert _walk(db, REVIEWER, f, "time") != _walk(db, PAPUA, f, "time")
    assert 0 < len(pagerows._FLAT_PAGES._items) <= pagerows._FLAT_PAGES.size


def test_a_cached_statement_keeps_each_callers_scope(db: Session) -> None:
    _seed(db)
    pagerows._FLAT_PAGES.clear()
    f = queue.ItemFilters(statuses=("new",))
    provinces = {
        pid: code for pid, code in db.execute(select(PostRegion.post_id, PostRegion.province_code))
    }
    for who, code in ((WEST_JAVA, "32"), (PAPUA, "91"), (WEST_JAVA, "32")):
        rows, _ = pagerows.flat_rows(db, who, f, "priority", None, 50)
        assert rows and {provinces[r.id] for r in rows} == {code}
    # Same shape, other values: hostile text stays a bound value and matches nothing.
    for hostile in ("x' OR '1'='1", "%", "_", "\\"):
        rows, _ = pagerows.flat_rows(db, REVIEWER, queue.ItemFilters(platform=hostile), "time")
        assert rows == []
        rows, _ = pagerows.flat_rows(db, REVIEWER, queue.ItemFilters(q=hostile + " zzz"), "time")
        assert rows == []
    assert db.scalar(select(Post.id).limit(1)) is not None
