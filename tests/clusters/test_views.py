"""Clusters as reviewers and liaisons see them (monitor/desk/clusterviews.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from monitor.core.base import utcnow
from monitor.desk.clusterviews import cluster_detail, list_clusters
from monitor.keys.principal import Principal
from tests.clusters.test_clusters import COPIES, UNRELATED, _ingest, _sources

REVIEWER = Principal(key_id=None, name="peninjau", role="reviewer")
JAKARTA = Principal(key_id=None, name="penghubung", role="liaison", regions=("31",))
PAPUA = Principal(key_id=None, name="penghubung2", role="liaison", regions=("94",))


def test_reviewer_sees_spread_and_liaison_only_its_own_copies(db: Session) -> None:
    sources = _sources(db)  # Jakarta Pusat, Surabaya, Makassar
    t0 = utcnow() - timedelta(hours=2)
    posts = [
        _ingest(db, text, f"v-{i}", t0 + timedelta(minutes=20 * i), src)
        for i, (text, src) in enumerate(zip(COPIES, sources, strict=True))
    ]
    _ingest(db, UNRELATED[0], "v-other", t0, sources[1])
    cluster_id = posts[0].cluster_id
    assert cluster_id is not None
    page = list_clusters(db, REVIEWER, None, 10)
    mine = next(c for c in page.clusters if c.id == cluster_id)
    assert mine.size == 3 and mine.n_sources == 3 and mine.n_accounts == 3
    assert mine.growth_rate == pytest.approx(3.0)  # three copies within the hour floor
    detail = cluster_detail(db, REVIEWER, cluster_id)
    assert detail is not None and len(detail.items) == 3
    # A Jakarta liaison sees the cluster through its one Jakarta copy, with no totals.
    page = list_clusters(db, JAKARTA, None, 10)
    seen = next(c for c in page.clusters if c.id == cluster_id)
    assert seen.size == 1 and seen.growth_rate is None and seen.n_sources is None
    detail = cluster_detail(db, JAKARTA, cluster_id)
    assert detail is not None and [i.id for i in detail.items] == [posts[0].id]
    # A liaison elsewhere does not see it at all.
    assert cluster_id not in {c.id for c in list_clusters(db, PAPUA, None, 10).clusters}
    assert cluster_detail(db, PAPUA, cluster_id) is None


def test_pages_follow_the_cursor(db: Session) -> None:
    t0 = utcnow()
    texts = [*UNRELATED, COPIES[0]]
    for i, t in enumerate(texts):
        _ingest(db, t, f"p-{i}", t0)
    # A cluster row exists once a message has a second copy.
    made = {
        _ingest(db, t + " Sebarkan!", f"p-copy-{i}", t0).cluster_id for i, t in enumerate(texts)
    }
    assert None not in made and len(made) == 3
    seen: list[int] = []
    cursor: int | None = None
    while True:
        page = list_clusters(db, REVIEWER, cursor, 2)
        assert len(page.clusters) <= 2
        seen.extend(c.id for c in page.clusters)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) and made <= set(seen)
    assert seen == sorted(seen, reverse=True)  # newest first
