"""Queries on API keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Connection, Float, Integer, column, delete, select, text
from sqlalchemy.orm import Session

from monitor.core.base import utcnow
from monitor.keys.models import ApiKey, RateBucket, RevokedSession


def by_prefix(session: Session, prefix: str) -> ApiKey | None:
    """Return the key with this lookup prefix, if any."""
    return session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))


def auth_row(session: Session, prefix: str) -> Any:
    """Return the columns a key check needs for this prefix (a Core row), if any.

    Why not the ORM object: every API request checks its key; a plain row skips the
    identity map and attribute instrumentation, and is read fresh each time, so a
    revocation or expiry counts on the very next request.
    """
    return session.execute(
        select(
            ApiKey.id,
            ApiKey.name,
            ApiKey.role,
            ApiKey.regions,
            ApiKey.key_hash,
            ApiKey.revoked_at,
            ApiKey.expires_at,
            ApiKey.last_used_at,
        ).where(ApiKey.prefix == prefix)
    ).first()


def by_id(session: Session, key_id: int) -> ApiKey | None:
    """Return the key with this id, if any."""
    return session.get(ApiKey, key_id)


def all_keys(session: Session, include_revoked: bool = True) -> Sequence[ApiKey]:
    """Return keys in creation order."""
    query = select(ApiKey).order_by(ApiKey.id)
    if not include_revoked:
        query = query.where(ApiKey.revoked_at.is_(None))
    return session.scalars(query).all()


def add(session: Session, key: ApiKey) -> ApiKey:
    """Store a new key and assign its id."""
    session.add(key)
    session.flush()
    return key


def revoke_session(session: Session, sid: str, expires_at: datetime) -> None:
    """Record a logged-out session until its cookie would have expired; drop stale rows."""
    session.execute(delete(RevokedSession).where(RevokedSession.expires_at < utcnow()))
    if session.get(RevokedSession, sid) is None:
        session.add(RevokedSession(sid=sid, expires_at=expires_at))
    session.flush()


def session_revoked(session: Session, sid: str) -> bool:
    """Tell whether a web session was ended by logout."""
    return session.get(RevokedSession, sid) is not None


# One statement, so concurrent requests from several processes serialise on the row lock
# and each sees the level the previous one left. SET expressions read the old row; the
# inserted stamp (EXCLUDED.stamp) is the one clock reading all of them use.
_TAKE_TOKEN = text(
    """
    INSERT INTO api_rate_buckets AS b (actor, tokens, stamp, allowed)
    VALUES (:actor, :burst - 1, extract(epoch FROM clock_timestamp()), true)
    ON CONFLICT (actor) DO UPDATE SET
      tokens = CASE
        WHEN least(:burst, b.tokens + greatest(EXCLUDED.stamp - b.stamp, 0) * :rate) >= 1
        THEN least(:burst, b.tokens + greatest(EXCLUDED.stamp - b.stamp, 0) * :rate) - 1
        ELSE least(:burst, b.tokens + greatest(EXCLUDED.stamp - b.stamp, 0) * :rate) END,
      stamp = greatest(EXCLUDED.stamp, b.stamp),
      allowed = least(:burst, b.tokens + greatest(EXCLUDED.stamp - b.stamp, 0) * :rate) >= 1
    RETURNING allowed, tokens
    """
)


def take_token(conn: Connection, actor: str, rate: float, burst: int) -> tuple[bool, float]:
    """Spend one token of `actor`'s shared bucket (PostgreSQL); return (allowed, tokens left)."""
    row = conn.execute(_TAKE_TOKEN, {"actor": actor, "rate": rate, "burst": burst}).one()
    return bool(row[0]), float(row[1])


# A known key's check and its token in one round trip (PostgreSQL): the key row is read
# fresh (revocation and expiry count on the next request), and a token is spent only when
# the row still holds the hash this process verified for the presented plaintext and the key
# is live, so a guess with someone's prefix never spends their tokens. `last_used_at` is
# written at most once a minute, like `service._touch`.
_AUTH_AND_TAKE = text(
    """
    WITH k AS (
      SELECT id, name, role, regions, key_hash, revoked_at, expires_at, last_used_at
      FROM api_keys WHERE prefix = :prefix
    ), live AS (
      SELECT id, name FROM k
      WHERE key_hash = :key_hash AND revoked_at IS NULL
        AND (expires_at IS NULL OR expires_at > now())
    ), spent AS (
      INSERT INTO api_rate_buckets AS b (actor, tokens, stamp, allowed)
      SELECT 'key:' || live.id || ':' || live.name, :burst - 1,
             extract(epoch FROM clock_timestamp()), true
      FROM live
      ON CONFLICT (actor) DO UPDATE SET
        tokens = CASE
          WHEN least(:burst, b.tokens + greatest(EXCLUDED.stamp - b.stamp, 0) * :rate) >= 1
          THEN least(:burst, b.tokens + greatest(EXCLUDED.stamp - b.stamp, 0) * :rate) - 1
          ELSE least(:burst, b.tokens + greatest(EXCLUDED.stamp - b.stamp, 0) * :rate) END,
        stamp = greatest(EXCLUDED.stamp, b.stamp),
        allowed = least(:burst, b.tokens + greatest(EXCLUDED.stamp - b.stamp, 0) * :rate) >= 1
      RETURNING allowed, tokens
    ), touched AS (
      UPDATE api_keys SET last_used_at = now() FROM live
      WHERE api_keys.id = live.id
        AND (api_keys.last_used_at IS NULL OR api_keys.last_used_at < now() - interval '1 minute')
      RETURNING api_keys.id
    )
    SELECT k.id, k.name, k.role, k.regions, k.key_hash, k.revoked_at, k.expires_at,
           k.last_used_at, (SELECT allowed FROM spent) AS allowed,
           (SELECT tokens FROM spent) AS tokens, (SELECT count(*) FROM touched) AS touched
    FROM k
    """
).columns(
    ApiKey.id,
    ApiKey.name,
    ApiKey.role,
    ApiKey.regions,
    ApiKey.key_hash,
    ApiKey.revoked_at,
    ApiKey.expires_at,
    ApiKey.last_used_at,
    column("allowed", Boolean()),
    column("tokens", Float()),
    column("touched", Integer()),
)


def auth_and_take(conn: Connection, prefix: str, key_hash: str, rate: float, burst: int) -> Any:
    """Read a key's row and, if it is live with `key_hash`, spend a token (PostgreSQL).

    Returns the `auth_row` columns plus `allowed` and `tokens` (both None when no token was
    spent: unknown prefix, other hash, revoked or expired), or None for an unknown prefix.
    """
    params = {"prefix": prefix, "key_hash": key_hash, "rate": rate, "burst": burst}
    return conn.execute(_AUTH_AND_TAKE, params).first()


# Level of a bucket now, without spending: what a missing row (a full bucket) would say too.
_LEVELS = text(
    """
    SELECT actor,
           least(:burst, tokens + greatest(extract(epoch FROM clock_timestamp()) - stamp, 0)
                 * :rate) AS level
    FROM api_rate_buckets WHERE actor = ANY(:actors)
    """
)

# Spend one token of each bucket (floored at 0, never refused): failed tries are counted,
# the refusal is decided by `bucket_levels` before the next try.
_SPEND = text(
    """
    INSERT INTO api_rate_buckets AS b (actor, tokens, stamp, allowed)
    SELECT a, greatest(:burst - 1, 0), extract(epoch FROM clock_timestamp()), false
    FROM unnest(CAST(:actors AS text[])) AS a
    ON CONFLICT (actor) DO UPDATE SET
      tokens = greatest(
        least(:burst, b.tokens + greatest(EXCLUDED.stamp - b.stamp, 0) * :rate) - 1, 0),
      stamp = greatest(EXCLUDED.stamp, b.stamp),
      allowed = false
    """
)


def bucket_levels(
    conn: Connection, actors: Sequence[str], rate: float, burst: int
) -> dict[str, float]:
    """Return the current level of these shared buckets (PostgreSQL); missing ones are full."""
    rows = conn.execute(_LEVELS, {"actors": list(actors), "rate": rate, "burst": burst})
    levels = {str(r[0]): float(r[1]) for r in rows}
    return {a: levels.get(a, float(burst)) for a in actors}


def spend_tokens(conn: Connection, actors: Sequence[str], rate: float, burst: int) -> None:
    """Spend one token of each of these shared buckets, down to 0 (PostgreSQL)."""
    # Sorted: two processes spending the same tags lock the rows in one order (no deadlock).
    conn.execute(_SPEND, {"actors": sorted(set(actors)), "rate": rate, "burst": burst})


def prune_buckets(session: Session, before: float) -> int:
    """Delete token buckets untouched since `before` (epoch seconds); return how many."""
    result = session.execute(delete(RateBucket).where(RateBucket.stamp < before))
    return int(getattr(result, "rowcount", 0) or 0)
