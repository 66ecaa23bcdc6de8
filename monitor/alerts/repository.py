"""Every query the alerts domain runs: rule inputs, alerts, subscriptions, the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Row, and_, case, false, func, or_, select, true, update
from sqlalchemy.orm import Session

from monitor.alerts.models import Alert, Delivery, Subscription
from monitor.clusters.models import Cluster
from monitor.keys.models import ApiKey
from monitor.keys.principal import Principal
from monitor.posts.models import Post, PostRegion
from monitor.posts.scope import region_match
from monitor.regions.models import Region
from monitor.reviews.effective import EFFECTIVE_FLAGGED, STANDING_REVIEW
from monitor.reviews.models import Review

# --- Rule inputs ----------------------------------------------------------------------


# When a post happened: its publication time, unless missing or later than its collection
# (a wrong clock). A backfill of old posts collected now is old activity, not a burst.
EVENT_TIME = case(
    (
        and_(Post.published_at.is_not(None), Post.published_at < Post.fetched_at),
        Post.published_at,
    ),
    else_=Post.fetched_at,
)


def _happened(since: datetime, until: datetime) -> tuple[ColumnElement[bool], ...]:
    # The fetched_at bound lets the (flagged, fetched_at) index narrow the scan: a post's
    # event time is never after its collection.
    return (Post.fetched_at >= since, since <= EVENT_TIME, until > EVENT_TIME)


def flagged_since(session: Session, since: datetime, until: datetime) -> Sequence[Row[Any]]:
    """Flagged posts (reviewers' decisions win) that happened in the window.

    Rows: post id, model labels, review status, standing review's labels, event time,
    collection time, region code.
    """
    stmt = (
        select(
            Post.id,
            Post.labels,
            Post.review_status,
            Review.labels,
            EVENT_TIME,
            Post.fetched_at,
            PostRegion.region_code,
        )
        .join(PostRegion, PostRegion.post_id == Post.id)
        .outerjoin(Review, STANDING_REVIEW)
        .where(EFFECTIVE_FLAGGED, *_happened(since, until))
    )
    return session.execute(stmt).all()


def baseline_counts(session: Session, since: datetime, until: datetime) -> list[Row[Any]]:
    """(region key, labels, distinct flagged posts) per kabupaten/kota key and per province.

    Aggregated in the database: the baseline spans a week of flags, the window only an hour.
    Rows: key, model labels, standing review's labels (NULL: the model's count), count.
    """
    period = (EFFECTIVE_FLAGGED, *_happened(since, until))
    kab = func.substr(PostRegion.region_code, 1, 5)
    by_kab = (
        select(kab, Post.labels, Review.labels, func.count(func.distinct(Post.id)))
        .join(PostRegion, PostRegion.post_id == Post.id)
        .outerjoin(Review, STANDING_REVIEW)
        .where(*period, func.length(PostRegion.region_code) >= 5)
        .group_by(kab, Post.labels, Review.labels)
    )
    by_province = (
        select(
            PostRegion.province_code,
            Post.labels,
            Review.labels,
            func.count(func.distinct(Post.id)),
        )
        .join(PostRegion, PostRegion.post_id == Post.id)
        .outerjoin(Review, STANDING_REVIEW)
        .where(*period)
        .group_by(PostRegion.province_code, Post.labels, Review.labels)
    )
    return [*session.execute(by_kab).all(), *session.execute(by_province).all()]


def reviewed_since(session: Session, since: datetime, until: datetime) -> Sequence[Row[Any]]:
    """(post id, reviewer's labels, status, review time, region code) for decided posts."""
    stmt = (
        select(
            Post.id, Review.labels, Post.review_status, Review.created_at, PostRegion.region_code
        )
        .join(Review, Review.post_id == Post.id)
        .join(PostRegion, PostRegion.post_id == Post.id)
        .where(
            Post.review_status.in_(("confirmed", "escalated")),
            Review.superseded.is_(False),
            Review.created_at >= since,
            Review.created_at < until,
        )
    )
    return session.execute(stmt).all()


def spreading_clusters(
    session: Session, since: datetime, min_rate: float, min_regions: int
) -> Sequence[Row[Any]]:
    """(cluster id, growth rate, n_regions, size, province code) for clusters over a threshold."""
    # Clusters first (few, by last_seen), then their copies' provinces through the
    # posts.cluster_id index: joining from posts would scan every post on SQLite.
    hot = list(
        session.scalars(
            select(Cluster.id).where(
                Cluster.last_seen >= since,
                or_(Cluster.growth_rate >= min_rate, Cluster.n_regions >= min_regions),
            )
        )
    )
    if not hot:
        return []
    stmt = (
        select(
            Cluster.id,
            Cluster.growth_rate,
            Cluster.n_regions,
            Cluster.size,
            PostRegion.province_code,
        )
        .join(Post, Post.cluster_id == Cluster.id)
        .join(PostRegion, PostRegion.post_id == Post.id)
        .where(Cluster.id.in_(hot))
        .distinct()
    )
    return session.execute(stmt).all()


def region_names(session: Session, codes: Sequence[str]) -> dict[str, str]:
    """Return the names of some region codes (alert texts name regions, not codes)."""
    if not codes:
        return {}
    stmt = select(Region.code, Region.name).where(Region.code.in_(sorted(set(codes))))
    return {str(c): str(n) for c, n in session.execute(stmt)}


def spike_windows_since(session: Session, since: datetime) -> Sequence[Row[Any]]:
    """(region, label, window start, window end) of volume-spike alerts ending after since."""
    stmt = select(Alert.region_code, Alert.label, Alert.window_start, Alert.window_end).where(
        Alert.rule == "volume_spike", Alert.window_end > since
    )
    return session.execute(stmt).all()


# Alerts without a region never match a scoped caller (NULL LIKE ... is not true).
_ALERT_REGION = cast(ColumnElement[str], Alert.region_code)

# --- Alerts ---------------------------------------------------------------------------


def alert_by_key(session: Session, dedup_key: str) -> Alert | None:
    """Return the alert with this de-duplication key, if any."""
    return session.scalar(select(Alert).where(Alert.dedup_key == dedup_key))


def add_alert(session: Session, alert: Alert) -> Alert:
    """Insert an alert (the unique dedup key guards against a concurrent duplicate)."""
    session.add(alert)
    session.flush()
    return alert


def visible_alerts(principal: Principal) -> ColumnElement[bool]:
    """WHERE clause limiting alerts to the caller's regions (true when unrestricted)."""
    if not principal.region_limited:
        return true()
    if not principal.regions:
        return false()
    return region_match(_ALERT_REGION, principal.regions)


def list_alerts(
    session: Session,
    principal: Principal,
    *,
    status: str | None,
    region: str | None,
    rule: str | None,
    limit: int,
    before_id: int | None,
) -> list[Alert]:
    """Alerts the caller may see, newest first, keyset-paginated by id."""
    stmt = select(Alert).where(visible_alerts(principal))
    if status:
        stmt = stmt.where(Alert.status == status)
    if region:
        stmt = stmt.where(region_match(_ALERT_REGION, (region,)))
    if rule:
        stmt = stmt.where(Alert.rule == rule)
    if before_id is not None:
        stmt = stmt.where(Alert.id < before_id)
    return list(session.scalars(stmt.order_by(Alert.id.desc()).limit(limit)))


def open_alerts_by_key(
    session: Session, principal: Principal, key_len: int, since: datetime
) -> dict[str, int]:
    """Unresolved alerts per region prefix of `key_len` characters whose window ends after since."""
    key = func.substr(_ALERT_REGION, 1, key_len)
    stmt = (
        select(key, func.count(Alert.id))
        .where(func.length(_ALERT_REGION) >= key_len, visible_alerts(principal))
        .where(Alert.status != "resolved", Alert.window_end > since)
        .group_by(key)
    )
    return {k: int(n) for k, n in session.execute(stmt)}


def get_alert(session: Session, principal: Principal, alert_id: int) -> Alert | None:
    """Return one alert if the caller may see it."""
    return session.scalar(select(Alert).where(Alert.id == alert_id, visible_alerts(principal)))


# --- Subscriptions --------------------------------------------------------------------


def all_subscriptions(session: Session) -> list[tuple[Subscription, ApiKey | None]]:
    """Every subscription with its key (for fan-out)."""
    stmt = select(Subscription, ApiKey).outerjoin(ApiKey, ApiKey.id == Subscription.key_id)
    return [(s, k) for s, k in session.execute(stmt).tuples()]


def subscriptions_for(session: Session, principal: Principal) -> list[Subscription]:
    """Subscriptions the caller owns (admins see all)."""
    stmt = select(Subscription).order_by(Subscription.id)
    if principal.role != "admin":
        stmt = stmt.where(Subscription.key_id == principal.key_id)
    return list(session.scalars(stmt))


def get_subscription(session: Session, sub_id: int) -> Subscription | None:
    """Return one subscription."""
    return session.get(Subscription, sub_id)


def add(session: Session, row: Subscription | Delivery) -> None:
    """Insert a row."""
    session.add(row)
    session.flush()


def delete_row(session: Session, row: Subscription) -> None:
    """Delete a row."""
    session.delete(row)
    session.flush()


# --- Outbox ---------------------------------------------------------------------------


def claim_due(session: Session, now: datetime, lease_until: datetime, limit: int) -> list[Delivery]:
    """Lease due pending deliveries (skipping rows another worker holds, on PostgreSQL)."""
    stmt = (
        select(Delivery)
        .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = list(session.scalars(stmt))
    for row in rows:
        # Why a lease: the send happens outside this transaction; a crashed worker's rows
        # come back when the lease runs out instead of being lost or sent twice at once.
        row.next_attempt_at = lease_until
    session.flush()
    return rows


def owner_key(session: Session, sub: Subscription) -> ApiKey | None:
    """Return the API key that owns a subscription (None for operator subscriptions)."""
    return None if sub.key_id is None else session.get(ApiKey, sub.key_id)


def delivery_context(session: Session, delivery_id: int) -> tuple[Delivery, Alert, Subscription]:
    """Return a delivery with its alert and subscription."""
    row = session.execute(
        select(Delivery, Alert, Subscription)
        .join(Alert, Alert.id == Delivery.alert_id)
        .join(Subscription, Subscription.id == Delivery.subscription_id)
        .where(Delivery.id == delivery_id)
    ).one()
    return row[0], row[1], row[2]


def get_delivery(session: Session, delivery_id: int) -> Delivery | None:
    """Return one outbox row, if it still exists."""
    return session.get(Delivery, delivery_id)


def deliveries_of(session: Session, alert_id: int) -> list[Delivery]:
    """Return an alert's deliveries."""
    stmt = select(Delivery).where(Delivery.alert_id == alert_id).order_by(Delivery.id)
    return list(session.scalars(stmt))


def deliveries(session: Session, status: str | None = None) -> list[Delivery]:
    """Return deliveries, optionally by status."""
    stmt = select(Delivery).order_by(Delivery.id)
    if status:
        stmt = stmt.where(Delivery.status == status)
    return list(session.scalars(stmt))


def requeue_dead(session: Session, now: datetime) -> int:
    """Put dead-lettered deliveries back in the queue; return how many."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.status == "dead")
        .values(status="pending", attempts=0, next_attempt_at=now)
    )
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
