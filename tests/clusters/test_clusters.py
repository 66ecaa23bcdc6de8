"""Narrative clusters on both databases: copies across sources, look-alikes, decisions, priority."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.clusters import service as clusters
from monitor.clusters.models import Cluster, PostBand
from monitor.core.base import utcnow
from monitor.core.runtime import Runtime
from monitor.flows import arrival, priority
from monitor.flows.tasks import refresh_priority_job
from monitor.keys import service as keys
from monitor.keys.principal import Principal
from monitor.posts.models import Post
from monitor.posts.schemas import PostIn
from monitor.predictions.models import Prediction
from monitor.reviews import service as reviews
from monitor.reviews.models import Review
from monitor.reviews.schemas import DecisionIn
from monitor.scheduler.jobs import default_jobs
from monitor.sources.models import Source

FORWARD = (
    "Assalamualaikum bapak ibu. Mohon diperhatikan, besok pagi Pak Haji Sutrisno akan "
    "membagikan amplop berisi uang Rp100.000 kepada warga RT 05 yang mau mencoblos caleg "
    "nomor urut 3 di TPS 12 Kelurahan Sukamaju. Datang jam 6 pagi sebelum diawasi Bawaslu."
)
# The same forward as three chat groups passed it on: header, typos, slang, a call to share.
COPIES = [
    FORWARD,
    "Diteruskan: "
    + FORWARD.replace("Mohon diperhatikan", "Mohon diperhatiin").replace("yang", "yg"),
    FORWARD.replace("Datang jam 6 pagi", "Dtg jam 6 pagi") + " Sebarkan ke grup RT lain!!",
]
UNRELATED = [
    "Jadwal ronda malam pekan ini dibagi rata untuk semua warga RT 05, mohon hadir tepat "
    "waktu di pos kamling dan membawa senter masing-masing.",
    "Harga cabai rawit di Pasar Induk Kramat Jati turun menjadi empat puluh ribu rupiah "
    "per kilogram setelah pasokan dari Jawa Tengah kembali normal.",
]
# The same template filled with other names and numbers: a different message.
TEMPLATE = (
    FORWARD.replace("Sutrisno", "Mulyadi")
    .replace("Rp100.000", "Rp50.000")
    .replace("RT 05", "RT 09")
    .replace("nomor urut 3", "nomor urut 7")
    .replace("TPS 12", "TPS 40")
    .replace("Sukamaju", "Cibeureum")
)
# A different message quoting one long sentence of the forward.
QUOTE = (
    "Warga melapor ke Bawaslu setelah menerima pesan berantai yang isinya mencurigakan, "
    "katanya: besok pagi Pak Haji Sutrisno akan membagikan amplop berisi uang. Bawaslu "
    "meminta warga menyimpan bukti tangkapan layar dan melapor ke pengawas kelurahan."
)

SOURCES = [
    ("grup-wa-rt05", "telegram", "31.71"),
    ("fb-warga-sukamaju", "facebook", "35.78"),
    ("x-relawan", "x", "73.71"),
]


def _sources(db: Session) -> list[Source]:
    rows = [
        Source(name=name, kind="rss", url=f"https://example.id/{name}", default_region_code=reg)
        for name, _, reg in SOURCES
    ]
    db.add_all(rows)
    db.flush()
    return rows


def _ingest(
    db: Session, text: str, n: str, at: datetime, source: Source | None = None, platform: str = "x"
) -> Post:
    item = PostIn(platform=platform, external_id=n, author=f"akun-{n}", text=text, published_at=at)
    outcome = arrival.arrive(db, [item], source_id=source.id if source else None)
    (post,) = outcome.new_posts
    db.refresh(post)
    return post


def _cluster(db: Session, post: Post) -> Cluster:
    assert post.cluster_id is not None
    cluster = db.get(Cluster, post.cluster_id)
    assert cluster is not None
    db.refresh(cluster)
    return cluster


def test_forward_from_three_sources_is_one_cluster_with_growth(db: Session) -> None:
    sources = _sources(db)
    t0 = utcnow() - timedelta(hours=3)
    copies = [
        _ingest(db, text, f"fw-{i}", t0 + timedelta(hours=hours), src, platform)
        for i, (text, hours, src, (_, platform, _)) in enumerate(
            zip(COPIES, (0, 0.5, 2), sources, SOURCES, strict=True)
        )
    ]
    others = [_ingest(db, t, f"other-{i}", t0) for i, t in enumerate(UNRELATED)]
    assert len({p.cluster_id for p in copies}) == 1
    cluster = _cluster(db, copies[0])
    assert cluster.size == 3
    assert cluster.first_seen == t0 and cluster.last_seen == t0 + timedelta(hours=2)
    assert cluster.n_sources == 3 and cluster.n_accounts == 3
    assert cluster.n_regions >= 3  # each source's own region (the text may add more)
    assert cluster.growth_rate == pytest.approx(1.5)  # three copies over two hours
    # Posts without a copy have no cluster row (clusters exist only where copies exist).
    assert all(o.cluster_id is None for o in others)


def test_lookalikes_start_their_own_clusters(db: Session) -> None:
    t0 = utcnow()
    original = _ingest(db, FORWARD, "orig", t0)
    template = _ingest(db, TEMPLATE, "tmpl", t0 + timedelta(minutes=5))
    quote = _ingest(db, QUOTE, "quote", t0 + timedelta(minutes=10))
    assert {original.cluster_id, template.cluster_id, quote.cluster_id} == {None}
    assert db.scalar(select(func.count()).select_from(Cluster)) == 0
    # The second copy creates the cluster and backfills the first; look-alikes stay out.
    copy = _ingest(db, COPIES[1], "copy", t0 + timedelta(minutes=15))
    db.refresh(original)
    db.refresh(template)
    assert copy.cluster_id is not None and original.cluster_id == copy.cluster_id
    assert template.cluster_id is None
    assert _cluster(db, original).size == 2


@pytest.mark.parametrize(
    "text",
    [
        "Setuju",
        "hoaks!",
        "https://t.co/abc123",
        "#pemilu2024 #amplop #caleg",
        "@kpu_ri @bawaslu_ri",
    ],
)
def test_short_link_and_hashtag_posts_are_not_clustered(db: Session, text: str) -> None:
    first = _ingest(db, text, "a", utcnow())
    second = _ingest(db, text + " !", "b", utcnow())
    assert first.cluster_id is None and second.cluster_id is None


def test_100kb_paste_clusters_with_its_copy(db: Session) -> None:
    tail = " ".join(f"kata{i % 997} lanjutan" for i in range(12_000))
    huge = (FORWARD + " " + tail)[:99_990]  # ingest's limit is 100,000 characters
    assert len(huge.encode()) > 99_000
    a = _ingest(db, huge, "huge-1", utcnow())
    b = _ingest(db, "Fwd: " + huge, "huge-2", utcnow())
    assert a.cluster_id is not None and a.cluster_id == b.cluster_id


def _reviewer(db: Session) -> Principal:
    key, _ = keys.create_key(db, "peninjau", "reviewer")
    return Principal(key_id=key.id, name="peninjau", role="reviewer")


def _flag(db: Session, post: Post, score: float, version: str = "m1") -> None:
    post.flagged, post.labels, post.model_version = True, ["money_politics"], version
    post.classified_at, post.priority, post.max_score = utcnow(), score, score
    db.add(
        Prediction(
            post_id=post.id,
            label="money_politics",
            score=score,
            flagged=True,
            model_version=version,
        )
    )
    db.flush()


def test_cluster_decision_covers_copies_and_later_copies_inherit(db: Session) -> None:
    reviewer = _reviewer(db)
    t0 = utcnow() - timedelta(hours=1)
    first = [_ingest(db, t, f"c-{i}", t0 + timedelta(minutes=i)) for i, t in enumerate(COPIES)]
    out = reviews.decide(
        db,
        reviewer,
        first[0].id,
        DecisionIn(action="escalate", target="bawaslu", note="amplop", apply_to_cluster=True),
    )
    assert out.cluster_applied == 2
    for p in first:
        db.refresh(p)
        assert p.review_status == "escalated"
    cluster = _cluster(db, first[0])
    assert cluster.decision == "escalate" and cluster.decision_review_id == out.review.id
    # A copy arriving after the decision inherits it, visibly (it points at the source review).
    late = _ingest(db, COPIES[1] + " 🙏", "late", t0 + timedelta(minutes=30))
    assert late.cluster_id == cluster.id and late.review_status == "escalated"
    inherited = db.scalar(select(Review).where(Review.post_id == late.id))
    assert inherited is not None and inherited.inherited_from_review_id == out.review.id
    assert inherited.decision == "escalate" and inherited.escalation_target == "bawaslu"
    # An unrelated post is untouched.
    other = _ingest(db, UNRELATED[0], "other", t0)
    assert other.review_status == "new"
    # Reversible: inherited copies go back to new, the reviewer's own decision stays.
    reverted = reviews.revert_cluster(db, reviewer, cluster.id)
    assert reverted == 3
    for p in [*first[1:], late]:
        db.refresh(p)
        assert p.review_status == "new"
    db.refresh(first[0])
    assert first[0].review_status == "escalated"
    db.refresh(cluster)
    assert cluster.decision is None
    after = _ingest(db, COPIES[2] + " share", "after", t0 + timedelta(minutes=40))
    assert after.cluster_id == cluster.id and after.review_status == "new"


def test_fast_growing_cluster_outranks_a_single_post(db: Session) -> None:
    now = utcnow()
    lone = _ingest(db, UNRELATED[1], "lone", now - timedelta(minutes=30))
    _flag(db, lone, 0.95)
    spread = [
        _ingest(db, COPIES[i % 3] + " " * (i // 3), f"s-{i}", now - timedelta(minutes=10 * i))
        for i in range(6)
    ]
    for p in spread:
        _flag(db, p, 0.75)
    assert priority.refresh_recent(db, now) >= 6
    db.refresh(lone)
    for p in spread:
        db.refresh(p)
    cluster = _cluster(db, spread[0])
    assert cluster.size == 6 and cluster.growth_rate == pytest.approx(6.0)
    parts = priority.priority_parts(db, [lone.id, spread[0].id], now)
    assert parts[lone.id].cluster == 0.0  # a lone post gets no cluster boost
    assert parts[lone.id].score == pytest.approx(0.95) and parts[spread[0].id].cluster > 0.3
    assert lone.priority == pytest.approx(parts[lone.id].total)
    assert min(p.priority for p in spread) > lone.priority
    boosted = spread[0].priority
    # Refreshing again does not compound the boost.
    priority.refresh_recent(db, now)
    db.refresh(spread[0])
    assert spread[0].priority == pytest.approx(boosted)
    # Hours later, with no new copies, growth no longer counts.
    priority.refresh_recent(db, now + timedelta(hours=7))
    db.refresh(spread[0])
    assert 0.75 < spread[0].priority < lone.priority


def test_queue_priority_grows_as_copies_arrive(db: Session) -> None:
    now = utcnow()
    first = _ingest(db, COPIES[0], "q-0", now - timedelta(minutes=50))
    _flag(db, first, 0.8)
    base = first.priority
    for i in range(1, 5):
        _ingest(db, COPIES[i % 3] + " !" * i, f"q-{i}", now - timedelta(minutes=50 - 10 * i))
    db.refresh(first)
    assert first.priority > base  # the arrival hook re-blended the flagged copy's priority


def test_quiet_messages_leave_the_hot_index(db: Session) -> None:
    """Band lookups cover HOT_WINDOW: a first copy quiet for longer is no longer found."""
    t0 = utcnow()
    old = _ingest(db, FORWARD, "cold-0", t0)
    later = t0 + clusters.HOT_WINDOW + timedelta(hours=1)
    outcome = arrival.arrive(
        db, [PostIn(platform="x", external_id="cold-1", text=COPIES[1])], now=later
    )
    (copy,) = outcome.new_posts
    assert copy.cluster_id is None and old.cluster_id is None
    # The prune drops the old message's bands and keeps the new first copy's.
    assert clusters.prune_cold(db, later) == 16
    assert db.scalar(select(func.count()).select_from(PostBand)) == 16


def test_a_copy_keeps_its_message_hot(db: Session) -> None:
    t0 = utcnow()
    first = _ingest(db, FORWARD, "warm-0", t0)
    # A copy six days later joins and refreshes the first copy's bands...
    arrival.arrive(
        db,
        [PostIn(platform="x", external_id="warm-1", text=COPIES[1])],
        now=t0 + timedelta(days=6),
    )
    # ...so a copy twelve days after the first still finds it.
    outcome = arrival.arrive(
        db,
        [PostIn(platform="x", external_id="warm-2", text=COPIES[2])],
        now=t0 + timedelta(days=12),
    )
    db.refresh(first)
    assert first.cluster_id is not None and outcome.new_posts[0].cluster_id == first.cluster_id


def test_priority_job_is_scheduled_and_re_blends(db: Session, rt: Runtime) -> None:
    jobs = {job.name: job for job in default_jobs(rt)}
    assert jobs["priority-refresh"].body is refresh_priority_job
    assert jobs["priority-refresh"].seconds >= 60
    now = utcnow()
    copies = [
        _ingest(db, t, f"job-{i}", now - timedelta(minutes=5 * i)) for i, t in enumerate(COPIES)
    ]
    # Scored after they arrived (the usual order): plain scores, no cluster boost yet.
    for p in copies:
        _flag(db, p, 0.6)
    db.commit()
    assert refresh_priority_job(rt) == 3
    for p in copies:
        db.refresh(p)
        assert p.priority > 0.6
