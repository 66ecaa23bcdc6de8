"""`int_in` / `int_not_in`: one parameter for many ids, right rows on both engines."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.core.idlist import int_in, int_not_in
from monitor.posts import service
from monitor.posts.models import Post
from monitor.posts.schemas import PostIn


def test_in_and_not_in_select_the_listed_rows(db: Session) -> None:
    items = [PostIn(platform="x", external_id=str(n), text=f"pesan nomor {n}") for n in range(6)]
    service.ingest(db, items)
    ids = sorted(db.scalars(select(Post.id)).all())
    dialect = db.get_bind().dialect.name
    wanted = [ids[0], ids[3], 10**9, -1]  # two stored, two not (far and negative ids)
    got = db.scalars(select(Post.id).where(int_in(Post.id, wanted, dialect))).all()
    assert sorted(got) == [ids[0], ids[3]]
    rest = db.scalars(select(Post.id).where(int_not_in(Post.id, wanted, dialect))).all()
    assert sorted(rest) == [i for i in ids if i not in (ids[0], ids[3])]
    assert db.scalars(select(Post.id).where(int_in(Post.id, [], dialect))).all() == []
