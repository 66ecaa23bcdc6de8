"""Arrival writes `posts.province_codes` with the posts INSERT (PostgreSQL), so the triggers on
`post_regions` find nothing to rewrite; tags and column stay what the tag-after path gives."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from monitor.clusters.placement import Placement
from monitor.core.base import utcnow
from monitor.flows import arrival
from monitor.posts.models import Post, PostRegion
from monitor.posts.regiontags import ArrivalTags, tag_posts
from monitor.posts.schemas import PostIn
from monitor.posts.service import ingest

# (text, declared region): several provinces, a declaration, an exact copy, no place at all,
# a declaration of a code that does not exist, and a name of the same region twice.
PAGE: list[tuple[str, str | None]] = [
    ("Banjir besar melanda Kota Jambi dan Jakarta Selatan pagi ini, warga mengungsi.", None),
    ("Warga Kota Bandung dan Surabaya menolak politik uang jelang pemilu.", "32.73"),
    ("Banjir besar melanda Kota Jambi dan Jakarta Selatan pagi ini, warga mengungsi.", None),
    ("Tidak ada nama tempat dalam kabar ini sama sekali.", None),
    ("Kabar tanpa tempat, tetapi pengirim menyebut daerahnya.", "15.05"),
    ("Kabar dari daerah yang tidak ada.", "99.99"),
    ("Bandung, Bandung, dan lagi-lagi Bandung.", None),
]


def _items(prefix: str) -> list[PostIn]:
    return [
        PostIn.model_validate(
            {"platform": "x", "external_id": f"{prefix}{i}", "text": body}
            | ({"region_code": code} if code else {})
        )
        for i, (body, code) in enumerate(PAGE)
    ]


def _tags(db: Session, prefix: str) -> dict[str, set[tuple[str, str, str, str]]]:
    rows = db.execute(
        select(Post.external_id, PostRegion.region_code, PostRegion.province_code)
        .add_columns(PostRegion.origin, PostRegion.evidence)
        .join(Post, Post.id == PostRegion.post_id)
        .where(Post.external_id.like(f"{prefix}%"))
    )
    out: dict[str, set[tuple[str, str, str, str]]] = {}
    for external_id, *tag in rows:
        out.setdefault(external_id.removeprefix(prefix), set()).add(tuple(tag))
    return out


def _columns(db: Session, prefix: str) -> dict[str, list[str] | None]:
    rows = db.execute(
        select(Post.external_id, Post.province_codes).where(Post.external_id.like(f"{prefix}%"))
    )
    return {e.removeprefix(prefix): codes for e, codes in rows}


def _from_tags(db: Session, prefix: str) -> dict[str, list[str] | None]:
    """What the triggers compute: sorted distinct provinces of the stored tags, else NULL."""
    tags = _tags(db, prefix)
    return {
        str(i): sorted({t[1] for t in tags[str(i)]}) if str(i) in tags else None
        for i in range(len(PAGE))
    }


def _updated(db: Session) -> int:
    return int(db.scalar(text("SELECT pg_stat_get_xact_tuples_updated('posts'::regclass)")) or 0)


def test_arrival_tags_and_provinces_match_the_tag_after_path(db: Session) -> None:
    arrival.arrive(db, _items("a"))
    # The tag-after path (every writer but arrival): store, then tag the stored posts.
    outcome = ingest(db, _items("b"))
    tag_posts(db, outcome.new_posts, outcome.declared_regions)
    db.flush()
    assert _tags(db, "a") == _tags(db, "b")
    assert set(_tags(db, "a")) == {"0", "1", "2", "4", "6"}
    pg = db.get_bind().dialect.name == "postgresql"
    if pg:
        # The triggers filled "b"; arrival wrote "a" itself: the same values.
        assert _columns(db, "a") == _columns(db, "b") == _from_tags(db, "a")
        assert _columns(db, "a")["0"] == ["15", "31"]  # Kota Jambi, Jakarta Selatan
        assert _columns(db, "a")["3"] is None
    else:
        # SQLite: no trigger keeps the column, and nothing reads it, so it stays NULL.
        assert set(_columns(db, "a").values()) == {None}


def test_written_tags_leave_the_triggers_nothing_to_rewrite(db: Session) -> None:
    if db.get_bind().dialect.name != "postgresql":
        return  # the column and its triggers live on PostgreSQL only
    now = utcnow()
    tags = ArrivalTags(db, None)
    outcome = ingest(db, _items("c"), place=Placement(db, now), tags=tags)
    before = _updated(db)
    tags.write(outcome.new_posts, outcome.declared_regions)
    assert _updated(db) == before  # no posts row version written by the triggers
    assert _columns(db, "c") == _from_tags(db, "c")
    # Without the provinces in the INSERT, the triggers rewrite every tagged post.
    plain = ingest(db, _items("d"))
    before = _updated(db)
    tag_posts(db, plain.new_posts, plain.declared_regions)
    assert _updated(db) - before == len(_tags(db, "d"))
    # A post stored by another path inside the page (not asked about) is still tagged.
    late = ingest(db, _items("e")[:1])
    tags.write(late.new_posts, {})
    assert _columns(db, "e")["0"] == _from_tags(db, "e")["0"] == ["15", "31"]
