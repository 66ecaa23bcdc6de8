"""Every query on `clusters` and the cluster statistics over `posts`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Table,
    bindparam,
    delete,
    distinct,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from monitor.clusters import repository_pg, repository_sqlite
from monitor.clusters.models import Cluster, PostSignature
from monitor.core.idlist import int_in
from monitor.posts.models import Post, PostRegion
from monitor.posts.scope import region_match
from monitor.predictions.models import Prediction

# When a copy was seen: its publication time when the platform gives one, else arrival.
SEEN_AT = func.coalesce(Post.published_at, Post.fetched_at)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def cluster_of(session: Session, post_ids: Sequence[int]) -> dict[int, int | None]:
    """Return the cluster of each post (None while alone)."""
    # Apart from `heads`: a page compares thousands of candidates but joins a few hundred;
    # reading every candidate's posts row only for its cluster cost the server more than
    # reading the signatures.
    if not post_ids:
        return {}
    stmt = select(Post.id, Post.cluster_id).where(int_in(Post.id, post_ids, _dialect(session)))
    return {int(p): c for p, c in session.connection().execute(stmt).all()}


def claim_heads(session: Session, post_ids: Sequence[int]) -> dict[int, int | None]:
    """Hold the first copies a page will give a cluster; return each one's cluster now.

    PostgreSQL: their rows locked in id order, so two arrivals backfilling one first copy
    take turns and the second finds the first's cluster. SQLite: the page's transaction is
    the only writer (BEGIN IMMEDIATE) and read them already, so nothing is asked.
    """
    if not post_ids:
        return {}
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        return repository_pg.claim_heads(conn, post_ids)
    return dict.fromkeys(post_ids)


def add_heads(
    session: Session, signatures: Sequence[dict[str, Any]], bands: Sequence[tuple[int, int]]
) -> None:
    """Store first copies' signatures and their (band key, post id) rows (two bulk INSERTs)."""
    # Core executemany, not the ORM's bulk path: 16 band rows a post, no objects wanted.
    conn = session.connection()
    if signatures:
        conn.execute(insert(cast(Table, PostSignature.__table__)), list(signatures))
    if not bands:
        return
    if conn.dialect.name == "postgresql":
        # Two array parameters and one statement: psycopg's executemany would send 16,000
        # statements a page through its pipeline.
        keys = "{" + ",".join(str(k) for k, _ in bands) + "}"
        posts = "{" + ",".join(str(p) for _, p in bands) + "}"
        conn.exec_driver_sql(
            "INSERT INTO post_bands (band_key, post_id) "
            "SELECT * FROM unnest(%s::bigint[], %s::integer[])",
            (keys, posts),
        )
    else:
        # The driver's executemany on plain tuples: SQLAlchemy's per-row parameter
        # processing cost more than the insert itself for 16 integer pairs a post.
        conn.exec_driver_sql("INSERT INTO post_bands (band_key, post_id) VALUES (?, ?)", bands)


def touch_heads(session: Session, post_ids: Sequence[int], now: datetime) -> None:
    """Keep messages that just gained a copy in the hot index (one row per message)."""
    if post_ids:
        session.execute(
            update(PostSignature)
            .where(int_in(PostSignature.post_id, post_ids, _dialect(session)))
            .values(seen_at=now)
            .execution_options(synchronize_session=False)
        )


def insert_clusters(session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert cluster rows; return their ids in the order of `rows`."""
    if not rows:
        return []
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        return repository_pg.insert_clusters(conn, rows)
    if conn.dialect.name == "sqlite":
        return repository_sqlite.insert_clusters(conn, rows)
    table = cast(Table, Cluster.__table__)
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return [int(i) for i in conn.execute(stmt, list(rows)).scalars()]


_SET_CLUSTER = (
    update(cast(Table, Post.__table__))
    .where(cast(Table, Post.__table__).c.id == bindparam("post"))
    .values(cluster_id=bindparam("cluster"))
)


def set_post_clusters(session: Session, pairs: Sequence[tuple[int, int]]) -> None:
    """Point posts at their cluster, one (post id, cluster id) pair each (one executemany)."""
    if not pairs:
        return
    # In post-id order: concurrent arrivals and workers then take row locks in one order, so
    # they wait for each other instead of deadlocking (PostgreSQL, several source runs at once).
    ordered = sorted(pairs)
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # Two statements instead of one UPDATE per post (the server's per-statement cost
        # was most of the step): rows locked in id order first, then one joined UPDATE.
        posts = "{" + ",".join(str(p) for p, _ in ordered) + "}"
        clusters = "{" + ",".join(str(c) for _, c in ordered) + "}"
        repository_pg.set_post_clusters(conn, posts, clusters)
    elif conn.dialect.name == "sqlite":
        repository_sqlite.set_post_clusters(conn, ordered)
    else:
        conn.execute(_SET_CLUSTER, [{"post": p, "cluster": c} for p, c in ordered])
    # Posts this session holds show their new cluster without a reload (no change to flush).
    held_posts = session.identity_map
    for post_id, cluster_id in pairs:
        # The key `identity_key(Post, id)` builds, without its per-call argument handling.
        held = held_posts.get((Post, (post_id,), None))
        if held is not None:
            set_committed_value(held, "cluster_id", cluster_id)


def drop_clusters(session: Session, cluster_ids: Sequence[int]) -> None:
    """Delete clusters made for a page that no copy joined, unpointing their first copies."""
    if cluster_ids:
        ids = list(cluster_ids)
        dialect = _dialect(session)
        unpoint = update(Post).where(int_in(Post.cluster_id, ids, dialect)).values(cluster_id=None)
        session.execute(unpoint.execution_options(synchronize_session="fetch"))
        drop = delete(Cluster).where(int_in(Cluster.id, ids, dialect))
        session.execute(drop.execution_options(synchronize_session=False))


def store_stats(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Write cluster statistics, one dict per cluster (`cluster` = its id)."""
    table = cast(Table, Cluster.__table__)
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda r: int(r["cluster"])):  # one lock order (see above)
        by_shape.setdefault(tuple(sorted(row)), []).append(row)
    for shape, part in by_shape.items():
        names = [n for n in shape if n != "cluster"]
        stmt = (
            update(table)
            .where(table.c.id == bindparam("cluster"))
            .values({n: bindparam(f"new_{n}") for n in names})
        )
        conn = session.connection()
        if conn.dialect.name == "postgresql" and set(names) <= set(repository_pg.STAT_TYPES):
            repository_pg.store_stats(conn, names, part)
            continue
        if conn.dialect.name == "sqlite" and set(names) <= set(repository_pg.STAT_TYPES):
            repository_sqlite.store_stats(conn, names, part)
            continue
        params = [{"cluster": r["cluster"], **{f"new_{n}": r[n] for n in names}} for r in part]
        conn.execute(stmt, params)
    # Cluster objects this session already holds would otherwise show the old figures.
    held_clusters = session.identity_map
    for row in rows:
        held = held_clusters.get((Cluster, (row["cluster"],), None))  # as identity_key builds
        if held is not None:
            session.expire(held)


def get(session: Session, cluster_id: int) -> Cluster | None:
    """Return one cluster."""
    return session.get(Cluster, cluster_id)


def member_stats(
    session: Session, cluster_ids: Sequence[int]
) -> dict[int, tuple[int, datetime | None, datetime | None, int, int]]:
    """Return per cluster: size, first and last seen, distinct sources and distinct accounts."""
    account = Post.platform + ":" + Post.author
    stmt = (
        select(
            Post.cluster_id,
            func.count(Post.id),
            func.min(SEEN_AT),
            func.max(SEEN_AT),
            func.count(distinct(Post.source_id)),
            func.count(distinct(account)),
        )
        .where(int_in(Post.cluster_id, cluster_ids, _dialect(session)))
        .group_by(Post.cluster_id)
    )
    return {int(r[0]): (int(r[1]), r[2], r[3], int(r[4]), int(r[5])) for r in session.execute(stmt)}


def seen_times(
    session: Session, cluster_ids: Sequence[int], since: datetime
) -> dict[int, list[datetime]]:
    """Return when each copy since `since` was seen, per cluster."""
    stmt = select(Post.cluster_id, SEEN_AT).where(
        int_in(Post.cluster_id, cluster_ids, _dialect(session)), since <= SEEN_AT
    )
    out: dict[int, list[datetime]] = {}
    for cluster_id, seen in session.execute(stmt):
        out.setdefault(int(cluster_id), []).append(seen)
    return out


def region_counts(session: Session, cluster_ids: Sequence[int]) -> dict[int, int]:
    """Return how many distinct regions each cluster's posts are about."""
    stmt = (
        select(Post.cluster_id, func.count(distinct(PostRegion.region_code)))
        .join(Post, Post.id == PostRegion.post_id)
        .where(int_in(Post.cluster_id, cluster_ids, _dialect(session)))
        .group_by(Post.cluster_id)
    )
    return {int(c): int(n) for c, n in session.execute(stmt)}


def active_since(session: Session, since: datetime) -> Sequence[Cluster]:
    """Return clusters with a copy seen at or after `since` and more than one copy."""
    stmt = select(Cluster).where(since <= Cluster.last_seen, Cluster.size > 1)
    return session.scalars(stmt).all()


def with_flagged_members(session: Session, cluster_ids: Sequence[int]) -> set[int]:
    """Return which of these clusters have at least one flagged post."""
    found: set[int] = set()
    for start in range(0, len(cluster_ids), 500):
        chunk = cluster_ids[start : start + 500]
        stmt = select(Post.cluster_id).where(Post.cluster_id.in_(chunk), Post.flagged.is_(True))
        found.update(int(c) for (c,) in session.execute(stmt.distinct()))
    return found


def set_member_priority(session: Session, cluster_id: int, boost: float) -> int:
    """Set each flagged member's priority to its best flagged score plus `boost`.

    The score part is read back from the post's own predictions (same model version), so
    repeated refreshes never compound the boost.
    """
    best = (
        select(func.coalesce(func.max(Prediction.score), 0.0))
        .where(
            Prediction.post_id == Post.id,
            Prediction.flagged.is_(True),
            Prediction.model_version == Post.model_version,
        )
        .scalar_subquery()
    )
    stmt = (
        update(Post)
        .where(Post.cluster_id == cluster_id, Post.flagged.is_(True))
        .values(priority=best + boost)
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]


def scoped_members(
    session: Session, cluster_ids: Sequence[int], codes: tuple[str, ...]
) -> dict[int, tuple[list[datetime], set[str]]]:
    """Per cluster, when each copy about `codes` was seen and which of those regions it names.

    The basis of every figure shown to a region-limited reader: only copies tagged with a
    region inside `codes` count, and only their tags inside `codes` count as regions.
    """
    out: dict[int, tuple[list[datetime], set[str]]] = {}
    if not cluster_ids or not codes:
        return out
    seen: dict[int, set[int]] = {}
    stmt = (
        select(Post.cluster_id, Post.id, SEEN_AT, PostRegion.region_code)
        .join(PostRegion, PostRegion.post_id == Post.id)
        .where(Post.cluster_id.in_(cluster_ids), region_match(PostRegion.region_code, codes))
    )
    for cluster_id, post_id, at, code in session.execute(stmt):
        times, regions = out.setdefault(int(cluster_id), ([], set()))
        regions.add(str(code))
        if post_id not in seen.setdefault(int(cluster_id), set()):
            seen[int(cluster_id)].add(post_id)
            times.append(at)
    return out


def many(session: Session, cluster_ids: Sequence[int]) -> list[Cluster]:
    """Return these clusters (one query)."""
    if not cluster_ids:
        return []
    return list(session.scalars(select(Cluster).where(Cluster.id.in_(cluster_ids))))
