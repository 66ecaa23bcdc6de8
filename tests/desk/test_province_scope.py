"""`posts.province_codes`: kept by triggers on PostgreSQL, and only ever narrowing a liaison's
page beside the exact region scope (migration b4e6d2a8c1f3)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, event, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from monitor.desk import explore, narratives, pagerows, queue
from monitor.keys.principal import Principal
from monitor.posts import repository
from monitor.posts.models import Post, PostRegion
from monitor.posts.scope import page_scope, province_prefilter
from tests.support.posts import add_regions, make_post, tag_region

REVIEWER = Principal(key_id=1, name="r", role="reviewer")
JAMBI = Principal(key_id=2, name="l15", role="liaison", regions=("15",))
KOTA_JAMBI = Principal(key_id=3, name="l1571", role="liaison", regions=("15.71",))
BOTH = Principal(key_id=4, name="l31-15", role="liaison", regions=("31", "15"))
NOWHERE = Principal(key_id=5, name="l0", role="liaison", regions=())

# Tags per post: the scope must come out the same whatever mix of provinces a post carries.
TAGS: dict[str, tuple[str, ...]] = {
    "jambi": ("15",),
    "kota-jambi": ("15.71",),
    "jakarta": ("31.71",),
    "both": ("31", "15.71"),
    "none": (),
}


def _provinces(db: Session, post_id: int) -> list[str] | None:
    return db.scalar(select(Post.province_codes).where(Post.id == post_id))


def _seed(db: Session) -> dict[str, int]:
    add_regions(db)
    ids: dict[str, int] = {}
    for i, (name, codes) in enumerate(TAGS.items()):
        post = make_post(db, f"kabar {name}", flagged=True, priority=float(i), labels=["hoax"])
        for code in codes:
            tag_region(db, post, code)
        ids[name] = post.id
    db.flush()
    return ids


def _visible(principal: Principal, ids: dict[str, int]) -> set[int]:
    """The scope worked out in Python from TAGS (a code covers its sub-regions)."""
    return {
        ids[name]
        for name, codes in TAGS.items()
        if principal.region_limited is False or any(principal.covers(c) for c in codes)
    }


def _pg_only(db: Session) -> None:
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("the column is kept on PostgreSQL only; SQLite's scope is the EXISTS alone")


def test_triggers_keep_the_provinces_of_every_write(db: Session) -> None:
    _pg_only(db)
    ids = _seed(db)
    assert _provinces(db, ids["both"]) == ["15", "31"]
    assert _provinces(db, ids["kota-jambi"]) == ["15"]
    assert _provinces(db, ids["none"]) is None
    # Insert, update (moving a tag to another post), delete: each statement refreshes both ends.
    tag_region(db, db.get_one(Post, ids["jambi"]), "31")
    db.flush()
    assert _provinces(db, ids["jambi"]) == ["15", "31"]
    db.execute(
        update(PostRegion)
        .where(PostRegion.post_id == ids["jambi"], PostRegion.region_code == "31")
        .values(post_id=ids["none"])
    )
    assert _provinces(db, ids["jambi"]) == ["15"]
    assert _provinces(db, ids["none"]) == ["31"]
    db.execute(delete(PostRegion).where(PostRegion.post_id == ids["none"]))
    assert _provinces(db, ids["none"]) == []
    # The product's writer: text tags replaced, a declared one kept.
    repository.replace_text_regions(
        db,
        [ids["both"]],
        [
            {
                "post_id": ids["both"],
                "region_code": "31.71",
                "province_code": "31",
                "origin": "text",
                "evidence": "Jakarta Pusat",
            }
        ],
    )
    assert _provinces(db, ids["both"]) == ["31"]


@pytest.mark.parametrize("principal", [REVIEWER, JAMBI, KOTA_JAMBI, BOTH, NOWHERE])
def test_pages_show_exactly_the_scope(db: Session, principal: Principal) -> None:
    ids = _seed(db)
    wanted = _visible(principal, ids)
    filters = queue.ItemFilters(statuses=("new",))
    flat, _ = pagerows.flat_rows(db, principal, filters, limit=50)
    orm, _ = queue.page(db, principal, filters, limit=50)
    mixed, _ = explore.mixed_page(db, principal, filters, "priority", None, 50, explore.Mix())
    ours = set(ids.values())
    assert {r.id for r in flat} & ours == wanted
    assert {p.id for p in orm} & ours == wanted
    assert {e.id for e in mixed} & ours <= wanted
    assert queue.count(db, principal, filters) >= len(wanted)


def test_a_stale_column_only_narrows_never_widens(db: Session) -> None:
    _pg_only(db)
    ids = _seed(db)
    # Written behind the triggers' back: Jakarta's post claims Jambi, Jambi's post claims none.
    db.execute(update(Post).where(Post.id == ids["jakarta"]).values(province_codes=["15"]))
    db.execute(update(Post).where(Post.id == ids["jambi"]).values(province_codes=["31"]))
    flat, _ = pagerows.flat_rows(db, JAMBI, queue.ItemFilters(statuses=("new",)), limit=50)
    seen = {r.id for r in flat}
    assert ids["jakarta"] not in seen  # the exact scope still applies
    assert ids["jambi"] not in seen  # narrowed: why the triggers must keep the column


def test_only_a_limited_scope_on_postgresql_gets_the_prefilter(db: Session) -> None:
    assert province_prefilter(REVIEWER) is None
    assert province_prefilter(NOWHERE) is None
    clause = province_prefilter(
        Principal(key_id=9, name="x", role="liaison", regions=("31.71", "15", "15.71"))
    )
    assert clause is not None
    sql = str(clause.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    assert "province_codes &&" in sql and "ARRAY['15', '31']" in sql
    # The exact check stays, as a per-row filter (OFFSET 0 keeps PostgreSQL from joining it).
    _, exact = page_scope(JAMBI)
    assert "OFFSET" in str(exact.compile(dialect=postgresql.dialect()))
    assert [str(c) for c in page_scope(REVIEWER)] == ["true"]
    where = queue.conditions(db, JAMBI, queue.ItemFilters())
    rendered = " ".join(str(w) for w in where)
    assert ("province_codes" in rendered) == (db.get_bind().dialect.name == "postgresql")
    # Lookups by id or cluster take the plain scope (no GIN bitmap ANDed into theirs).
    plain = queue.conditions(db, JAMBI, queue.ItemFilters(), walk=False)
    assert "province_codes" not in " ".join(str(w) for w in plain)


def test_the_provinces_reach_postgresql_as_literals_not_parameters(db: Session) -> None:
    """A generic plan cannot see a `$1` province: the grouped page then sorted every flagged
    post of the province (70 ms at 200 k posts) instead of walking the queue index (1 ms)."""
    _pg_only(db)
    ids = _seed(db)
    sent: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        sent.append((statement, params))

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        groups, _ = narratives.page(db, JAMBI, queue.ItemFilters(statuses=("new",)))
        # Hostile-looking code: rendered quoted by SQLAlchemy, never spliced by hand.
        odd = Principal(key_id=8, name="odd", role="liaison", regions=("1'5",))
        assert narratives.page(db, odd, queue.ItemFilters())[0] == []
    finally:
        event.remove(engine, "before_cursor_execute", record)
    walks = [(s, p) for s, p in sent if "province_codes &&" in s]
    assert len(walks) == 2
    assert "ARRAY['15'" in walks[0][0] and "ARRAY['1''5'" in walks[1][0]
    assert not any("ARRAY[%(" in s for s, _ in walks)  # no placeholder in the prefilter
    assert {n.head.id for n in groups} & set(ids.values()) == _visible(JAMBI, ids)
