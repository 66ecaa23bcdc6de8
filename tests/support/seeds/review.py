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
from tests.support.posts import add_regions, make_scored_post


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
    score = 0.5 + (n % 50) / 100
    explanation = {
        "words": ["amplop"],
        "factcheck": {"id": "fc1", "title": "Hoaks", "url": "https://cek.id/1", "score": 0.9},
    }
    return make_scored_post(
        session,
        text,
        {label: score},
        version="m1",
        flagged=[label],
        explanations={label: explanation},
        region=region,
        platform="rss",
        external_id=f"ext-{n}-{region}",
        url=f"https://example.id/{n}",
        title=f"Judul {n}",
        fetched_at=utcnow() - timedelta(minutes=n),
        content_hash=hashlib.sha256(f"{n}{text}".encode()).hexdigest(),
        raw={"n": n},
        priority=priority if priority is not None else (n % 7) / 7,
        cluster_id=cluster_id,
    )


def seed(session: Session, per_province: int = 6) -> Seed:
    """Create regions, posts in Jambi (15) and Jakarta (31), one shared cluster, and keys."""
    add_regions(session)
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
