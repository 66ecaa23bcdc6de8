"""A large store for `waspada bench ingest --seeded N`: posts, signatures and bands in bulk.

Why not through the flow: a million posts through arrival take longer than the run they
prepare. The rows are what arrival would have stored for distinct messages: every seeded
post is a first copy with its MinHash signature and 16 bands in the hot index, seen within
the last three days (the worst case for band lookups: nothing has gone cold). Texts are
the real tweets, then mixes of two tweets (first half of one, second half of another), so
the store holds N distinct messages built from real words. Seeding writes with the driver
(sqlite3 executemany / psycopg COPY) and runs no clustering, so no cluster rows exist.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from classifiers.neardup import stored_band_keys_many, text_signatures
from monitor.core.base import utcnow
from monitor.core.runtime import Runtime
from monitor.posts.canonical import content_hash

BLOCK = 5000
_POST_COLUMNS = (
    "id, platform, external_id, text, language, published_at, fetched_at, content_hash, "
    "flagged, labels, priority, review_status"
)


def seeded_texts(tweets: list[str], n: int, seed: int = 3) -> Iterator[str]:
    """Yield n distinct message texts: the tweets, then mixes of two tweets' halves."""
    rng = random.Random(seed)
    pool = tweets or ["pesan warga tentang tahapan pemilu di kecamatan"]
    for k in range(n):
        if k < len(pool):
            yield pool[k]
            continue
        a, b = pool[rng.randrange(len(pool))].split(), pool[rng.randrange(len(pool))].split()
        yield " ".join(a[: len(a) // 2 + 1] + b[len(b) // 2 :] + [f"#{k}"])


def seed(rt: Runtime, n: int, tweets: list[str]) -> int:
    """Store n posts as first copies with signatures and bands; return how many have bands."""
    postgres = rt.engine.dialect.name == "postgresql"
    now = utcnow()
    rng = random.Random(9)
    texts = seeded_texts(tweets, n)
    heads = 0
    conn = rt.engine.raw_connection()
    try:
        for start in range(0, n, BLOCK):
            block = [next(texts) for _ in range(min(BLOCK, n - start))]
            ids = range(start + 1, start + 1 + len(block))
            ages = [timedelta(seconds=rng.randrange(3 * 86400)) for _ in block]
            posts = [
                (i, "seed", str(i), t, "id", now - age, now - age, content_hash(t))
                for i, t, age in zip(ids, block, ages, strict=True)
            ]
            computed = zip(ids, text_signatures(block), ages, strict=True)
            sigs = [(i, s, now - a) for i, s, a in computed if s is not None]
            keys = stored_band_keys_many([s for _, s, _ in sigs])
            signatures = [(i, json.dumps(s.to_json()), at) for i, s, at in sigs]
            bands = [(k, i) for (i, _, _), ks in zip(sigs, keys, strict=True) for k in ks]
            heads += len(sigs)
            _write(conn, postgres, posts, signatures, bands)
            conn.commit()
        if postgres:
            cur = conn.cursor()
            cur.execute("SELECT setval(pg_get_serial_sequence('posts', 'id'), %s)", (n,))
            cur.execute("ANALYZE posts")
            cur.execute("ANALYZE post_bands")
            cur.execute("ANALYZE post_signatures")
            conn.commit()
    finally:
        conn.close()
    return heads


def _write(
    conn: Any,
    postgres: bool,
    posts: list[tuple[Any, ...]],
    signatures: list[tuple[Any, ...]],
    bands: list[tuple[int, int]],
) -> None:
    cur = conn.cursor()
    fixed = (False, "[]", 0.0, "new")
    if postgres:
        with cur.copy(f"COPY posts ({_POST_COLUMNS}) FROM STDIN") as copy:
            for row in posts:
                copy.write_row((*row, *fixed))
        with cur.copy("COPY post_signatures (post_id, signature, seen_at) FROM STDIN") as copy:
            for row in signatures:
                copy.write_row(row)
        with cur.copy("COPY post_bands (band_key, post_id) FROM STDIN") as copy:
            for row in bands:
                copy.write_row(row)
        return
    # SQLite stores UTC as naive ISO text (as UTCDateTime does).
    cur.executemany(
        f"INSERT INTO posts ({_POST_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
        [(*r[:5], _naive(r[5]), _naive(r[6]), r[7], *fixed) for r in posts],
    )
    cur.executemany(
        "INSERT INTO post_signatures (post_id, signature, seen_at) VALUES (?, ?, ?)",
        [(i, s, _naive(at)) for i, s, at in signatures],
    )
    cur.executemany("INSERT INTO post_bands (band_key, post_id) VALUES (?, ?)", bands)


def _naive(at: Any) -> str:
    return str(at.strftime("%Y-%m-%d %H:%M:%S.%f"))
