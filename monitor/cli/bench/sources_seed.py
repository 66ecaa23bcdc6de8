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

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import numpy as np

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
    band_keys: list[np.ndarray] = []
    band_posts: list[np.ndarray] = []
    conn = rt.engine.raw_connection()
    if not postgres:
        # Random inserts into the posts indexes and the band index of a store of millions
        # miss a 2 MB page cache on nearly every row; this connection only lives for the seed.
        conn.cursor().execute("PRAGMA cache_size=-1000000")
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
            signatures = [(i, s.to_bytes(), at) for i, s, at in sigs]
            if keys:
                held = np.asarray(keys, dtype=np.int64)
                band_keys.append(held.reshape(-1))
                band_posts.append(np.repeat([i for i, _, _ in sigs], held.shape[1]))
            heads += len(sigs)
            _write(conn, postgres, posts, signatures)
            conn.commit()
        _write_bands(conn, postgres, band_keys, band_posts)
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
) -> None:
    cur = conn.cursor()
    fixed = (False, "[]", 0.0, "new")
    if postgres:
        with cur.copy(f"COPY posts ({_POST_COLUMNS}) FROM STDIN") as copy:
            for row in posts:
                copy.write_row((*row, *fixed))
        with cur.copy("COPY post_signatures (post_id, packed, seen_at) FROM STDIN") as copy:
            for row in signatures:
                copy.write_row(row)
        return
    # SQLite stores UTC as naive ISO text (as UTCDateTime does).
    cur.executemany(
        f"INSERT INTO posts ({_POST_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
        [(*r[:5], _naive(r[5]), _naive(r[6]), r[7], *fixed) for r in posts],
    )
    cur.executemany(
        "INSERT INTO post_signatures (post_id, packed, seen_at) VALUES (?, ?, ?)",
        [(i, s, _naive(at)) for i, s, at in signatures],
    )


def _write_bands(
    conn: Any, postgres: bool, keys: list[np.ndarray], posts: list[np.ndarray]
) -> None:
    """Write every band once, in key order, with the post_id index built after."""
    # Why sorted and at the end: 16 random inserts a post into a B-tree of millions of rows
    # made seeding 300 k posts take 12 minutes; appends in key order and one index build
    # take a fraction of that.
    if not keys:
        return
    key, post = np.concatenate(keys), np.concatenate(posts)
    order = np.lexsort((post, key))
    key, post = key[order], post[order]
    cur = conn.cursor()
    cur.execute("DROP INDEX IF EXISTS ix_post_bands_post_id")
    step = 200_000
    for start in range(0, len(key), step):
        part = slice(start, start + step)
        rows = zip(key[part].tolist(), post[part].tolist(), strict=True)
        if postgres:
            with cur.copy("COPY post_bands (band_key, post_id) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cur.executemany("INSERT INTO post_bands (band_key, post_id) VALUES (?, ?)", rows)
        conn.commit()
    cur.execute("CREATE INDEX ix_post_bands_post_id ON post_bands (post_id)")
    conn.commit()


def _naive(at: Any) -> str:
    return str(at.strftime("%Y-%m-%d %H:%M:%S.%f"))
