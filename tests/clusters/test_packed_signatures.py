"""Packed signatures: the bytes form, and migration f3a8c6e2d1b7 from JSON, on both databases."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy import BigInteger, Integer, column, func, select, table
from sqlalchemy.orm import Session

from classifiers.neardup import (
    Signature,
    packed_values,
    readable,
    stored_band_keys,
    text_signature,
)
from monitor.clusters.models import PostBand, PostSignature
from monitor.core import migrate
from monitor.core.base import JSONType, UTCDateTime, utcnow
from monitor.core.db import make_engine
from monitor.flows import arrival
from monitor.posts.canonical import content_hash
from monitor.posts.models import Post
from monitor.posts.schemas import PostIn
from tests.clusters.test_bands_backfill import _alembic
from tests.clusters.test_clusters import COPIES, UNRELATED
from tests.support.oldschema import later_columns

_BEFORE = "f3a8c6d2b9e1"  # signatures stored as JSON (the revision before packing)
_JSON_SIGNATURES = table(
    "post_signatures",
    column("post_id", Integer()),
    column("signature", JSONType),
    column("seen_at", UTCDateTime()),
)
_BANDS = table("post_bands", column("band_key", BigInteger()), column("post_id", Integer()))


def _same(a: Signature | None, b: Signature | None) -> bool:
    assert a is not None and b is not None
    return bool(np.array_equal(a.values, b.values)) and a.names == b.names


def test_bytes_round_trip_and_hostile_input() -> None:
    named = text_signature(COPIES[0])
    shouting = text_signature(COPIES[0].upper())
    assert named is not None and named.names and shouting is not None and shouting.names is None
    nameless = Signature(named.values, frozenset())
    for sig in (named, shouting, nameless):
        assert _same(Signature.from_bytes(sig.to_bytes()), sig)
        assert _same(Signature.from_bytes(memoryview(sig.to_bytes())), sig)
    packed = named.to_bytes()
    for bad in (
        None,
        "text",
        b"",
        packed[:100],  # truncated values
        packed[:-1],  # a name cut in half
        bytes((1,)) + packed[1:],  # another scheme's version
        packed[:1] + bytes((7,)) + packed[2:],  # unknown names flag
        shouting.to_bytes() + b"\x00\x00\x00\x00",  # names after "no names"
        named.to_json(),
    ):
        assert Signature.from_bytes(bad) is None
        if isinstance(bad, bytes):
            assert not readable(bad)
    good = [sig.to_bytes() for sig in (named, shouting, nameless)]
    assert all(readable(raw) for raw in good)
    stacked = packed_values(good)
    assert stacked.shape == (3, 64)
    assert np.array_equal(stacked[1], shouting.values)
    assert packed_values([]).shape == (0, 64)


def test_a_page_skips_an_unreadable_stored_signature(db: Session) -> None:
    """A damaged stored signature costs only its own matches: the page stores and clusters."""
    firsts = [
        PostIn.model_validate({"platform": "x", "external_id": f"first{i}", "text": text})
        for i, text in enumerate((COPIES[0], UNRELATED[0]))
    ]
    broken, kept = sorted(arrival.arrive(db, firsts).new_posts, key=lambda p: p.external_id)
    db.execute(
        PostSignature.__table__.update()
        .where(PostSignature.post_id == broken.id)
        .values(packed=b"\x02\x01" + b"\x00" * 10)  # truncated, its bands still indexed
    )
    copies = [
        PostIn.model_validate({"platform": "x", "external_id": f"copy{i}", "text": text})
        for i, text in enumerate((COPIES[1], UNRELATED[0] + " !"))
    ]
    outcome = arrival.arrive(db, copies)
    assert outcome.report.new == 2 and not outcome.report.rejected
    by_id = {p.external_id: p for p in outcome.new_posts}
    assert by_id["copy0"].cluster_id is None  # its first copy cannot be read: no join
    db.refresh(kept)
    assert by_id["copy1"].cluster_id == kept.cluster_id is not None


@pytest.fixture
def json_era(fresh_db_url: str):  # type: ignore[no-untyped-def]
    """A database at the revision before packing, with JSON signatures and their bands."""
    engine = make_engine(fresh_db_url)
    _alembic(engine, "downgrade", _BEFORE)
    seen = utcnow() - timedelta(days=1)
    texts = {"named": COPIES[0], "shouting": COPIES[0].upper(), "other": UNRELATED[0]}
    ids: dict[str, int] = {}
    # Posts as the ORM writes them today: only the columns added after packing to hide.
    with later_columns(engine, columns={"province_codes": "TEXT"}), Session(engine) as s:
        for name, text in [*texts.items(), ("broken", UNRELATED[1])]:
            post = Post(platform="x", external_id=name, text=text, content_hash=content_hash(text))
            s.add(post)
            s.flush()
            ids[name] = post.id
        for name, text in texts.items():
            sig = text_signature(text)
            assert sig is not None
            stored = sig.to_json()
            s.execute(
                _JSON_SIGNATURES.insert().values(post_id=ids[name], signature=stored, seen_at=seen)
            )
            s.execute(
                _BANDS.insert(),
                [{"band_key": k, "post_id": ids[name]} for k in stored_band_keys(sig)],
            )
        # Another scheme's signature (unreadable by any lookup) with its bands.
        broken = {"v": 1, "perm": 64, "minhash": "!!not base64"}
        s.execute(
            _JSON_SIGNATURES.insert().values(post_id=ids["broken"], signature=broken, seen_at=seen)
        )
        s.execute(_BANDS.insert(), [{"band_key": k, "post_id": ids["broken"]} for k in range(16)])
        s.commit()
    yield engine, texts, ids
    engine.dispose()


def test_migration_packs_json_signatures(json_era) -> None:  # type: ignore[no-untyped-def]
    engine, texts, ids = json_era
    migrate.upgrade(engine)
    with Session(engine) as s:
        packed = dict(s.execute(select(PostSignature.post_id, PostSignature.packed)).tuples().all())
        assert set(packed) == {ids[n] for n in texts}  # the unreadable one went
        for name, text in texts.items():
            assert _same(Signature.from_bytes(packed[ids[name]]), text_signature(text))
        bands = s.scalar(
            select(func.count()).select_from(PostBand).where(PostBand.post_id == ids["broken"])
        )
        assert bands == 0
        # A copy arriving after the upgrade finds the first copy through its packed signature.
        item = PostIn.model_validate({"platform": "x", "external_id": "copy", "text": COPIES[1]})
        (copy,) = arrival.arrive(s, [item]).new_posts
        first = s.get(Post, ids["named"])
        assert first is not None and copy.cluster_id == first.cluster_id is not None
        s.commit()


def test_downgrade_restores_json(json_era) -> None:  # type: ignore[no-untyped-def]
    engine, texts, ids = json_era
    migrate.upgrade(engine)
    _alembic(engine, "downgrade", _BEFORE)
    with engine.connect() as conn:
        stored = dict(
            conn.execute(select(_JSON_SIGNATURES.c.post_id, _JSON_SIGNATURES.c.signature))
            .tuples()
            .all()
        )
    for name, text in texts.items():
        assert _same(Signature.from_json(stored[ids[name]]), text_signature(text))
    migrate.upgrade(engine)
