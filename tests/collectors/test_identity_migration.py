"""Migration b7e4c2a91f03 re-keys old-style RSS rows without losing any, on both databases."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from alembic import command
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.core import migrate
from monitor.core.db import make_engine
from monitor.posts.canonical import content_hash
from monitor.posts.models import Post
from monitor.sources.models import Source
from tests.support.oldschema import later_columns

_BEFORE = "5d1e0a7c9b21"
_REV = "b7e4c2a91f03"


def _alembic(engine, action: str, revision: str) -> None:  # type: ignore[no-untyped-def]
    cfg = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, revision)
        conn.commit()


def _post(source: Source | None, external_id: str, text: str, **extra: object) -> Post:
    return Post(
        source_id=source.id if source else None,
        platform=str(extra.pop("platform", "news")),
        external_id=external_id,
        text=text,
        content_hash=content_hash(text),
        fetched_at=datetime(2026, 12, 1, tzinfo=UTC),
        **extra,
    )


def test_old_rss_rows_are_rekeyed_by_source_and_nothing_is_lost(fresh_db_url: str) -> None:
    engine = make_engine(fresh_db_url)
    _alembic(engine, "downgrade", _BEFORE)
    with later_columns(engine), Session(engine) as s:
        ekonomi = Source(name="tempo-ekonomi", kind="rss", url="https://rss.tempo.co/ekonomi")
        hukum = Source(name="tempo-hukum", kind="rss", url="https://rss.tempo.co/hukum")
        wp = Source(name="situs", kind="wordpress", url="https://situs.example")
        s.add_all([ekonomi, hukum, wp])
        s.flush()
        teaser = "Baca berita selengkapnya hanya di Tempo.co"
        s.add_all(
            [
                # Ekonomi's rows as the old code stored them: bare guids.
                _post(ekonomi, "1", "Bulog siapkan operasi pasar", raw={"feed": "tempo-ekonomi"}),
                # Row 2 was overwritten by Hukum's item 2 (still attributed to Ekonomi).
                _post(ekonomi, "2", "MK tolak gugatan batas usia", raw={"feed": "tempo-hukum"}),
                _post(hukum, "3", teaser, title="KPK tahan bupati", raw={"feed": "tempo-hukum"}),
                # A long guid keeps a bounded key.
                _post(ekonomi, "g" * 495, "Guid panjang sekali", raw={"feed": "tempo-ekonomi"}),
                # The new-style key of guid 5 is already taken (a pushed post chose it): the
                # old row keeps its key rather than lose either.
                _post(ekonomi, "5", "Baris lama lima", raw={"feed": "tempo-ekonomi"}),
                _post(None, "tempo-ekonomi:5", "Baris baru lima", raw={}),
                # Other kinds and pushed posts are left alone.
                _post(wp, "situs:77", "Tulisan WordPress", raw={"wp_id": 77}),
                _post(None, "1", "Kiriman API", platform="file"),
            ]
        )
        s.flush()
        original = _post(ekonomi, "8", teaser, title="Inflasi November", raw={})
        s.add(original)
        s.flush()
        # The old copy key linked distinct articles sharing a teaser.
        copy = _post(hukum, "9", teaser, title="DPR sahkan revisi", raw={})
        copy.duplicate_of_id = original.id
        s.add(copy)
        s.commit()
        before = s.query(Post).count()
        ids = {"ekonomi": ekonomi.id, "hukum": hukum.id, "copy": copy.id, "original": original.id}

    _alembic(engine, "upgrade", "head")
    with Session(engine) as s:
        assert s.query(Post).count() == before  # nothing lost
        rows = {p.title or p.text: p for p in s.scalars(select(Post))}
        assert rows["KPK tahan bupati"].external_id == "tempo-hukum:3"
        assert rows["Bulog siapkan operasi pasar"].external_id == "tempo-ekonomi:1"
        overwritten = rows["MK tolak gugatan batas usia"]
        assert overwritten.external_id == "tempo-hukum:2"  # it holds Hukum's text
        assert overwritten.source_id == ids["hukum"]
        long_key = rows["Guid panjang sekali"].external_id
        digest = hashlib.sha256(("g" * 495).encode()).hexdigest()
        assert long_key == f"tempo-ekonomi:sha256:{digest}"
        assert rows["Baris lama lima"].external_id == "5"
        assert rows["Baris baru lima"].external_id == "tempo-ekonomi:5"
        assert rows["Tulisan WordPress"].external_id == "situs:77"
        assert rows["Kiriman API"].external_id == "1"
        copy_row, original_row = s.get(Post, ids["copy"]), s.get(Post, ids["original"])
        assert copy_row is not None and original_row is not None
        assert copy_row.duplicate_of_id is None  # distinct articles sharing a teaser: unlinked
        assert copy_row.content_hash != original_row.content_hash

    # And back: bare keys return where they are free.
    _alembic(engine, "downgrade", _BEFORE)
    with later_columns(engine), Session(engine) as s:
        keys = set(s.scalars(select(Post.external_id)))
        assert {"1", "2", "5", "tempo-ekonomi:5", "situs:77"} <= keys
        assert s.query(Post).count() == before
    _alembic(engine, "upgrade", "head")
    engine.dispose()
