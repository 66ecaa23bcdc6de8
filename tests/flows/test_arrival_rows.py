"""Arrival without re-reading: the posts it hands on equal what the database holds."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.clusters.models import PostBand
from monitor.core.idlist import int_in, str_in
from monitor.flows import arrival
from monitor.posts.models import Post
from monitor.posts.schemas import PostIn

COLUMNS = [c.key for c in Post.__table__.columns]


def test_new_posts_match_a_fresh_read(db: Session) -> None:
    items = [
        PostIn(
            platform="x",
            external_id=f"r{i}",
            text=f"warga desa {i} melaporkan antrean panjang di TPS nomor {i} pagi ini",
            title="Judul" if i % 2 else None,
            url=f"https://www.Berita.example/a/{i}/?utm_source=wa&id={i}",
            author="akun" if i % 3 else None,
            published_at=datetime(2026, 12, 1, 7, i, tzinfo=UTC) if i % 4 else None,
            raw={"i": i, "nested": {"ok": True}},
            language="id" if i % 5 == 0 else None,
        )
        for i in range(12)
    ]
    items.append(items[0].model_copy(update={"external_id": "copy"}))  # an exact copy
    outcome = arrival.arrive(db, items)
    handed = {p.id: {c: getattr(p, c) for c in COLUMNS} for p in outcome.new_posts}
    assert len(handed) == 13
    db.expire_all()
    fresh = {
        p.id: {c: getattr(p, c) for c in COLUMNS}
        for p in db.scalars(select(Post).where(Post.id.in_(list(handed))))
    }
    assert handed == fresh
    copy = next(p for p in outcome.new_posts if p.external_id == "copy")
    assert copy.duplicate_of_id == min(handed)


def test_one_parameter_lists_match_in_lists(db: Session) -> None:
    dialect = db.get_bind().dialect.name
    items = [
        PostIn(platform="x", external_id=e, text=f"pesan ke {n} tentang rekapitulasi suara di desa")
        for n, e in enumerate(["a", "b'c", 'd"e', "f,g", "{h}", "i\\j", "ü 🙂", "NULL"])
    ]
    posts = arrival.arrive(db, items).new_posts
    ids = [p.id for p in posts]
    assert sorted(db.scalars(select(Post.id).where(int_in(Post.id, ids, dialect)))) == ids
    assert list(db.scalars(select(Post.id).where(int_in(Post.id, [], dialect)))) == []
    found = db.scalars(
        select(Post.external_id).where(
            str_in(Post.external_id, [i.external_id for i in items], dialect)
        )
    )
    assert sorted(found) == sorted(i.external_id for i in items)
    assert (
        list(db.scalars(select(Post.id).where(str_in(Post.external_id, ["zz", ""], dialect)))) == []
    )
    keys = [k for (k,) in db.execute(select(PostBand.band_key))]
    extremes = [-(2**63), 2**63 - 1, 0, -1]  # signed 64-bit band keys survive the round trip
    hit = db.scalars(
        select(PostBand.band_key).where(int_in(PostBand.band_key, keys + extremes, dialect))
    )
    assert sorted(hit) == sorted(keys)
