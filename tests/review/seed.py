"""A small, realistic review dataset: two provinces, a cross-province cluster, predictions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session

from monitor.clusters.models import Cluster
from monitor.core.base import utcnow
from monitor.keys import service as keys
from monitor.posts.models import Post
from monitor.predictions.models import Prediction
from monitor.regions.models import Region
from tests.support.posts import make_post, tag_region

REGIONS = [
    ("15", "Jambi", "province", None),
    ("15.71", "Kota Jambi", "city", "15"),
    ("31", "DKI Jakarta", "province", None),
    ("31.71", "Kota Jakarta Pusat", "city", "31"),
]


@dataclass
class Seed:
    """Ids and plaintext keys of the seeded data."""

    jambi: list[int] = field(default_factory=list)
    jakarta: list[int] = field(default_factory=list)
    cluster_id: int = 0
    keys: dict[str, str] = field(default_factory=dict)


def add_post(
    session: Session,
    n: int,
    region: str,
    label: str,
    text: str,
    cluster_id: int | None = None,
    priority: float | None = None,
) -> Post:
    """Store one flagged post with a prediction and a region."""
    now = utcnow()
    post = make_post(
        session,
        text,
        platform="rss",
        external_id=f"ext-{n}-{region}",
        url=f"https://example.id/{n}",
        title=f"Judul {n}",
        fetched_at=now - timedelta(minutes=n),
        content_hash=hashlib.sha256(f"{n}{text}".encode()).hexdigest(),
        raw={"n": n},
        model_version="m1",
        max_score=0.5 + (n % 50) / 100,
        flagged=True,
        labels=[label],
        priority=priority if priority is not None else (n % 7) / 7,
        cluster_id=cluster_id,
        classified_at=now,
    )
    tag_region(session, post, region)
    session.add(
        Prediction(
            post_id=post.id,
            label=label,
            score=post.max_score or 0.5,
            flagged=True,
            model_version="m1",
            explanation={
                "words": ["amplop"],
                "factcheck": {
                    "id": "fc1",
                    "title": "Hoaks",
                    "url": "https://cek.id/1",
                    "score": 0.9,
                },
            },
        )
    )
    return post


def seed(session: Session, per_province: int = 6) -> Seed:
    """Create regions, posts in Jambi (15) and Jakarta (31), one shared cluster, and keys."""
    for code, name, level, parent in REGIONS:
        if session.get(Region, code) is None:
            session.add(Region(code=code, name=name, level=level, parent_code=parent))
    session.flush()
    cluster = Cluster(size=4, n_regions=2, n_sources=2, n_accounts=3, growth_rate=1.5)
    session.add(cluster)
    session.flush()
    out = Seed(cluster_id=cluster.id)
    labels = ["hoax", "money_politics", "black_campaign", "identity_politics"]
    for i in range(per_province):
        in_cluster = cluster.id if i < 2 else None
        p = add_post(session, i, "15.71", labels[i % 4], f"amplop jambi {i}", in_cluster)
        out.jambi.append(p.id)
        q = add_post(session, 100 + i, "31.71", labels[i % 4], f"amplop jakarta {i}", in_cluster)
        out.jakarta.append(q.id)
    for role, regions in [
        ("admin", []),
        ("reviewer", []),
        ("reviewer2", []),
        ("researcher", []),
        ("liaison", ["15"]),
    ]:
        _, plain = keys.create_key(session, role, role.rstrip("2"), regions)
        out.keys[role] = plain
    session.flush()
    return out


def auth(plain: str) -> dict[str, str]:
    """Return the Authorization header for a key."""
    return {"Authorization": f"Bearer {plain}"}
