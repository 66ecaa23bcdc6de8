"""The three alert rules, each with a case that fires and hard negatives that must not."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from monitor.alerts import service
from monitor.alerts.rules import (
    RuleConfig,
    alert_regions,
    poisson_sf,
    reviewed_items,
    spreading_clusters,
    volume_spikes,
    window_start,
)
from monitor.clusters.models import Cluster
from monitor.posts.models import Post
from monitor.reviews.models import Review
from tests.alerts.seed import alert_now, burst, load, post

# One regions load per session (tests/conftest.py::regions_engine), not one per test.
pytestmark = pytest.mark.regions

MP = ["money_politics"]


def _spikes(db: Session, now: datetime, cfg: RuleConfig | None = None) -> list[tuple[str, str]]:
    return [(d.region_code, d.label or "") for d in volume_spikes(db, now, cfg or RuleConfig())]


# --- pure helpers -----------------------------------------------------------------------


def test_poisson_tail_matches_closed_forms() -> None:
    assert poisson_sf(0, 3.0) == 1.0
    assert math.isclose(poisson_sf(1, 1.0), 1 - math.exp(-1))
    assert math.isclose(poisson_sf(2, 2.0), 1 - 3 * math.exp(-2))
    assert poisson_sf(5, 0.0) == 0.0
    # Monotone in k, and tiny far in the tail without overflow.
    tail = [poisson_sf(k, 4.0) for k in range(0, 30)]
    assert tail == sorted(tail, reverse=True)
    assert 0 <= poisson_sf(400, 2.0) < 1e-12  # below the smallest double: 0
    # A burst of 15 against 0.2 expected: a real, tiny p-value, not a rounded zero.
    first = math.exp(-0.2) * 0.2**15 / math.factorial(15)
    assert math.isclose(poisson_sf(15, 0.2), first * (1 + 0.2 / 16 + 0.04 / 272), rel_tol=1e-5)
    # Both branches agree where they meet.
    assert math.isclose(poisson_sf(6, 5.999), poisson_sf(6, 6.0), rel_tol=1e-3)


def test_windows_align_so_every_evaluator_agrees() -> None:
    t = datetime(2026, 11, 28, 16, 47, 13, tzinfo=UTC)
    assert window_start(t, timedelta(hours=1)) == datetime(2026, 11, 28, 16, tzinfo=UTC)
    assert window_start(t, timedelta(days=1)) == datetime(2026, 11, 28, tzinfo=UTC)


def test_alert_regions_prefer_kabupaten_and_roll_kecamatan_up() -> None:
    assert alert_regions({"15", "15.07"}) == {"15.07"}
    assert alert_regions({"15.07.01"}) == {"15.07"}
    assert alert_regions({"15", "31.71"}) == {"15", "31.71"}


# --- rule 1: volume spike -----------------------------------------------------------------


def test_spike_fires_against_a_quiet_baseline(db: Session) -> None:
    load(db)
    now = alert_now()
    burst(db, now, n=6)
    assert _spikes(db, now) == [("15.07", "money_politics")]


def test_spike_needs_the_minimum_count(db: Session) -> None:
    load(db)
    now = alert_now()
    burst(db, now, n=4)  # p is tiny against a silent region, but 4 < min_count
    assert _spikes(db, now) == []


def test_busy_regions_own_baseline_absorbs_a_normal_hour(db: Session) -> None:
    load(db)
    now = alert_now()
    start = window_start(now, timedelta(hours=1))
    cfg = RuleConfig(baseline=timedelta(hours=6))
    # Six flags an hour for six hours is Tanjung Jabung Timur's normal.
    for h in range(1, 7):
        for i in range(6):
            post(
                db,
                f"Amplop Tanjab Timur {h}-{i}",
                flagged=True,
                labels=MP,
                at=start - timedelta(hours=h) + timedelta(minutes=5 * i),
            )
    burst(db, now, n=7)
    assert _spikes(db, now, cfg) == []
    burst(db, now, n=12)  # 19 against an expected 6 is a spike
    assert _spikes(db, now, cfg) == [("15.07", "money_politics")]


def test_unflagged_and_other_label_posts_do_not_count(db: Session) -> None:
    load(db)
    now = alert_now()
    for i in range(8):
        post(
            db,
            f"Berita biasa Tanjab Timur {i}",
            flagged=False,
            labels=MP,
            at=now - timedelta(minutes=i + 1),
        )
    burst(db, now, n=3)
    burst(db, now, n=3, label="hoax")
    assert _spikes(db, now) == []


def test_scattered_flags_fire_nowhere(db: Session) -> None:
    load(db)
    now = alert_now()
    for place in ("Jaksel", "Kota Bandung", "Kabupaten Sleman", "Kota Medan", "Kota Jambi"):
        for i in range(3):
            post(
                db,
                f"Amplop di {place} {i}",
                flagged=True,
                labels=MP,
                at=now - timedelta(minutes=i + 2),
            )
    assert _spikes(db, now) == []


def test_old_burst_is_baseline_not_a_spike(db: Session) -> None:
    load(db)
    now = alert_now()
    burst(db, now - timedelta(hours=3), n=15)
    assert _spikes(db, now) == []


def test_backfill_of_old_posts_is_not_a_burst(db: Session) -> None:
    load(db)
    now = alert_now()
    # A new source's archive: collected this hour, published days ago.
    for i in range(20):
        p = post(
            db,
            f"Arsip: amplop di Tanjab Timur {i}",
            flagged=True,
            labels=MP,
            at=now - timedelta(minutes=i + 1),
        )
        p.published_at = now - timedelta(days=3, hours=i)
    # A post whose source clock runs ahead counts at its collection time.
    for i in range(6):
        p = post(
            db,
            f"Amplop Tanjab Timur, jam salah {i}",
            flagged=True,
            labels=MP,
            at=now - timedelta(minutes=i + 1),
        )
        p.published_at = now + timedelta(hours=5)
    db.flush()
    drafts = volume_spikes(db, now, RuleConfig())
    assert [(d.region_code, d.payload["count"]) for d in drafts] == [("15.07", 6)]


def test_province_wide_burst_fires_at_province_level(db: Session) -> None:
    load(db)
    now = alert_now()
    for i in range(6):
        post(
            db,
            f"Politik uang merebak di Provinsi Jambi {i}",
            flagged=True,
            labels=MP,
            at=now - timedelta(minutes=i + 1),
        )
    assert _spikes(db, now) == [("15", "money_politics")]


# --- rule 2: confirmed or escalated item -----------------------------------------------------


def _review(db: Session, p: Post, decision: str, at: datetime, superseded: bool = False) -> None:
    status = {"confirm": "confirmed", "dismiss": "dismissed", "escalate": "escalated"}[decision]
    p.review_status = status
    db.add(
        Review(
            post_id=p.id,
            reviewer_name="rev",
            decision=decision,
            labels=p.labels,
            created_at=at,
            superseded=superseded,
        )
    )
    db.flush()


def test_confirmed_and_escalated_items_fire_one_digest_per_region_and_label(db: Session) -> None:
    load(db)
    now = alert_now()
    a = post(db, "Amplop di Tanjab Timur", flagged=True, labels=MP, at=now - timedelta(hours=5))
    b = post(
        db,
        "Sembako Kab. Tanjung Jabung Timur",
        flagged=True,
        labels=MP,
        at=now - timedelta(hours=4),
    )
    _review(db, a, "confirm", now - timedelta(minutes=20))
    _review(db, b, "escalate", now - timedelta(minutes=10))
    drafts = reviewed_items(db, now, RuleConfig())
    assert [(d.region_code, d.label) for d in drafts] == [("15.07", "money_politics")]
    assert drafts[0].payload["post_ids"] == sorted([a.id, b.id])
    assert drafts[0].payload["statuses"] == ["confirmed", "escalated"]


def test_dismissed_superseded_and_earlier_reviews_do_not_fire(db: Session) -> None:
    load(db)
    now = alert_now()
    a = post(db, "Amplop di Tanjab Timur", flagged=True, labels=MP)
    b = post(db, "Amplop di Kota Jambi", flagged=True, labels=MP)
    c = post(db, "Amplop di Jaksel", flagged=True, labels=MP)
    _review(db, a, "dismiss", now - timedelta(minutes=5))
    _review(db, b, "confirm", now - timedelta(minutes=5), superseded=True)
    b.review_status = "new"
    _review(db, c, "confirm", window_start(now, timedelta(hours=1)) - timedelta(minutes=1))
    db.flush()
    assert reviewed_items(db, now, RuleConfig()) == []


# --- rule 3: spreading cluster ----------------------------------------------------------------


def _cluster(db: Session, now: datetime, rate: float, regions: int, age: timedelta) -> Cluster:
    c = Cluster(
        size=30,
        growth_rate=rate,
        n_regions=regions,
        n_sources=3,
        n_accounts=9,
        first_seen=now - timedelta(hours=6),
        last_seen=now - age,
    )
    db.add(c)
    db.flush()
    return c


def test_fast_or_wide_clusters_fire_per_province(db: Session) -> None:
    load(db)
    now = alert_now()
    fast = _cluster(db, now, rate=40.0, regions=1, age=timedelta(minutes=5))
    wide = _cluster(db, now, rate=2.0, regions=6, age=timedelta(minutes=5))
    post(db, "Hoaks surat suara Tanjab Timur", flagged=True, cluster_id=fast.id)
    post(db, "Hoaks surat suara Tanjab Timur lagi", flagged=True, cluster_id=fast.id)
    post(db, "Hoaks kotak suara di Jaksel", flagged=True, cluster_id=wide.id)
    post(db, "Hoaks kotak suara di Kota Medan", flagged=True, cluster_id=wide.id)
    got = sorted(
        (d.payload["cluster_id"], d.region_code) for d in spreading_clusters(db, now, RuleConfig())
    )
    assert got == sorted([(fast.id, "15"), (wide.id, "31"), (wide.id, "12")])


def test_slow_narrow_or_stale_clusters_do_not_fire(db: Session) -> None:
    load(db)
    now = alert_now()
    slow = _cluster(db, now, rate=3.0, regions=2, age=timedelta(minutes=5))
    stale = _cluster(db, now, rate=50.0, regions=9, age=timedelta(hours=3))
    post(db, "Hoaks Tanjab Timur", flagged=True, cluster_id=slow.id)
    post(db, "Hoaks Jaksel", flagged=True, cluster_id=stale.id)
    assert spreading_clusters(db, now, RuleConfig()) == []


# --- evaluate: dedup across rules and windows ------------------------------------------------


def test_evaluate_dedups_per_window_and_fires_again_next_window(db: Session) -> None:
    load(db)
    now = alert_now()
    burst(db, now, n=8)
    first = service.evaluate(db, now)
    again = service.evaluate(db, now + timedelta(minutes=3))
    # The burst's posts are the first alert's: the next run raises nothing new.
    assert (first.raised, again.raised) == (1, 0)
    later = now + timedelta(hours=1)
    burst(db, later, n=8)
    # Same region and label, new window: a new alert (the earlier one is baseline now).
    assert service.evaluate(db, later).raised == 1
