"""Page-sized writes sent as array literals keep every value as given (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from monitor.clusters import repository_sqlite
from monitor.clusters.models import Cluster
from monitor.core.pgarray import array_literal, text_array, timestamptz_array
from monitor.flows.arrival import arrive
from monitor.posts import service
from monitor.posts.models import Post
from monitor.posts.schemas import PostIn

# What an array literal must not misread: its own syntax inside values.
HOSTILE = [
    'kutipan "Prabowo" dan \\ garis miring',
    "{kurawal,koma}",
    "NULL",
    "null",
    " spasi di tepi ",
    "baris\nbaru\tdan tab",
    "emoji 🇮🇩 dan aksara ꦗꦮ",
    "\\",
    '"',
    "a,b",
]


def test_hostile_texts_are_stored_as_given(db: Session) -> None:
    items = [
        PostIn(
            platform="rss",
            external_id=f"h{i}",
            text=f"Berita pemilu nomor {i}: {value}",
            title=value,
            author=value,
            url=f"https://berita.example/{i}?q={i}",
            published_at=datetime(2024, 2, 14, 7, i, tzinfo=UTC),
            raw={"judul": value},
        )
        for i, value in enumerate(HOSTILE)
    ]
    out = service.ingest(db, items)
    assert out.report.new == len(HOSTILE)
    rows = {p.external_id: p for p in db.scalars(select(Post).where(Post.platform == "rss"))}
    for i, (value, item) in enumerate(zip(HOSTILE, items, strict=True)):
        post = rows[f"h{i}"]
        # As validated (PostIn trims titles and names); the write adds no change of its own.
        assert (post.title, post.author, post.text) == (item.title, item.author, item.text)
        assert post.raw == {"judul": value} and post.url == item.url
        assert post.published_at == datetime(2024, 2, 14, 7, i, tzinfo=UTC)
        assert post.source_id is None and post.duplicate_of_id is None


def test_literals_read_back_on_postgresql(db: Session) -> None:
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("array literals are PostgreSQL's")
    values = [*HOSTILE, "", None]
    got = db.execute(text("SELECT unnest(CAST(:a AS text[]))"), {"a": text_array(values)})
    assert [r[0] for r in got] == values
    times = [datetime(2024, 2, 14, 1, tzinfo=UTC), None]
    times.append(datetime(2024, 2, 14, 8, tzinfo=UTC).astimezone(timezone(timedelta(hours=7))))
    got = db.execute(
        text("SELECT unnest(CAST(:a AS timestamptz[]))"), {"a": timestamptz_array(times)}
    )
    assert [r[0] for r in got] == times
    got = db.execute(
        text("SELECT unnest(CAST(:a AS double precision[]))"),
        {"a": array_literal("double precision", [0.1, None, 1e-9])},
    )
    assert [r[0] for r in got] == [0.1, None, 1e-9]


def test_naive_times_and_unknown_types_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        timestamptz_array([datetime(2024, 2, 14)])
    with pytest.raises(ValueError, match="naive"):
        repository_sqlite.stored_datetime(datetime(2024, 2, 14))
    with pytest.raises(ValueError, match="no array literal"):
        array_literal("jsonb", ["{}"])


def test_cluster_rows_read_back_as_written(db: Session) -> None:
    """Clusters created and updated by the page-sized writes read back through the ORM."""
    at = datetime(2024, 2, 14, 9, 30, 15, 123456, tzinfo=UTC)
    texts = [
        "Beredar kabar surat suara sudah dicoblos di gudang logistik kecamatan sebelum hari H",
        "Beredar kabar surat suara sudah dicoblos di gudang logistik kecamatan sebelum hari H!",
    ]
    items = [
        PostIn(platform="rss", external_id=f"c{i}", text=t, published_at=at + timedelta(hours=i))
        for i, t in enumerate(texts)
    ]
    arrive(db, items[:1])
    arrive(db, items[1:])
    db.expire_all()
    cluster = db.scalars(select(Cluster)).one()
    assert cluster.size == 2 and cluster.n_sources == 0
    assert (cluster.first_seen, cluster.last_seen) == (at, at + timedelta(hours=1))
    assert cluster.signature is not None and cluster.signature["v"] == 2
    ids = set(db.scalars(select(Post.cluster_id)))
    assert ids == {cluster.id}
