"""Band lookups leave quiet first copies out by id (no join per band row) on both databases."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.clusters import repository_bands
from monitor.clusters import service as clusters
from monitor.clusters.models import PostBand, PostSignature
from monitor.core.base import utcnow
from monitor.posts.canonical import content_hash
from monitor.posts.models import Post

KEY, OTHER = 7_001, -7_002  # band keys (signed 64-bit, as stored)


def _heads(db: Session, ages_days: list[float]) -> list[int]:
    """Store first copies sharing band KEY, seen `ages_days` ago, ids in list order."""
    now = utcnow()
    ids = []
    for n, age in enumerate(ages_days):
        text = f"pesan {n} tentang surat suara"
        post = Post(platform="x", external_id=f"h{n}", text=text, content_hash=content_hash(text))
        db.add(post)
        db.flush()
        db.add(PostSignature(post_id=post.id, packed=b"\x02", seen_at=now - timedelta(days=age)))
        db.add_all(
            [PostBand(band_key=KEY, post_id=post.id), PostBand(band_key=OTHER, post_id=post.id)]
        )
        ids.append(post.id)
    db.flush()
    return ids


def _lookup(db: Session, per_key: int = clusters.PER_BAND) -> list[tuple[int, int]]:
    since = utcnow() - clusters.HOT_WINDOW
    keys, posts = repository_bands.band_posts(db, [KEY, OTHER], since, per_key)
    return sorted(zip(keys.tolist(), posts.tolist(), strict=True))


@pytest.mark.parametrize("cold_limit", [repository_bands.COLD_LIMIT, 0])
def test_quiet_heads_leave_no_gap_in_a_full_band(
    db: Session, monkeypatch: pytest.MonkeyPatch, cold_limit: int
) -> None:
    """Newest-first ranking counts only hot heads, by id set or (too many quiet) by join."""
    monkeypatch.setattr(repository_bands, "COLD_LIMIT", cold_limit)
    # Two hot heads, then nine newer ones quiet for ten days: the newest 8 of the band are
    # all quiet, so a ranking that counted them would find neither hot head.
    ids = _heads(db, [1.0, 2.0] + [10.0] * 9)
    hot = ids[:2]
    assert _lookup(db) == sorted([(KEY, h) for h in hot] + [(OTHER, h) for h in hot])


def test_all_hot_band_keeps_the_newest(db: Session) -> None:
    ids = _heads(db, [0.5] * 10)
    found = _lookup(db, per_key=3)
    assert found == sorted([(KEY, i) for i in ids[-3:]] + [(OTHER, i) for i in ids[-3:]])


def test_prune_drops_quiet_signatures_with_their_bands(db: Session) -> None:
    ids = _heads(db, [1.0, 10.0, 12.0])
    assert clusters.prune_cold(db) == 4  # two quiet heads, two bands each
    kept = db.scalars(select(PostSignature.post_id)).all()
    assert kept == [ids[0]]
    assert db.scalar(select(func.count()).select_from(PostBand)) == 2
    assert _lookup(db) == sorted([(KEY, ids[0]), (OTHER, ids[0])])


def test_bounded_probe_equals_the_window_ranking(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The per-key probe (LATERAL / correlated seek) keeps exactly the window form's rows."""
    rng = random.Random(5)
    now = utcnow()
    keys = [rng.randrange(-(2**63), 2**63) for _ in range(12)]
    for n in range(60):
        text = f"pesan acak {n} tentang rekapitulasi"
        post = Post(platform="x", external_id=f"r{n}", text=text, content_hash=content_hash(text))
        db.add(post)
        db.flush()
        age = timedelta(days=rng.choice([0.2, 1.0, 2.5, 9.0]))  # a quarter quiet
        db.add(PostSignature(post_id=post.id, packed=b"\x02", seen_at=now - age))
        db.add_all([PostBand(band_key=k, post_id=post.id) for k in rng.sample(keys, 4)])
    db.flush()
    since = now - clusters.HOT_WINDOW
    asked = [*keys[:10], keys[0], 12_345]  # a repeated key and one no post has

    def found(per_key: int) -> list[tuple[int, int]]:
        got, posts = repository_bands.band_posts(db, asked, since, per_key)
        return sorted(zip(got.tolist(), posts.tolist(), strict=True))

    probed = {n: found(n) for n in (1, 3, 8)}
    monkeypatch.setattr(repository_bands, "COLD_LIMIT", 0)  # the join + window fallback
    for per_key, rows in probed.items():
        assert rows == found(per_key)
        assert rows and max(Counter(k for k, _ in rows).values()) == per_key
