"""Posts for the uncertainty mix: far from, near to and disputed across model thresholds."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session

from monitor.core.base import utcnow
from monitor.keys import service as keys
from monitor.modelversions.models import ModelVersion
from monitor.posts.models import Post
from monitor.predictions.models import Prediction
from monitor.predictions.service import refresh_uncertainty
from tests.support.posts import add_regions, make_scored_post

THRESHOLDS = {"hoax": 0.6, "money_politics": 0.4, "black_campaign": 0.7, "identity_politics": 0.7}


@dataclass
class Mixed:
    """Ids by role in the mix, and keys."""

    order: list[int] = field(default_factory=list)  # far from every threshold, flagged
    uncertain: list[int] = field(default_factory=list)  # nearest threshold first
    disagree: int = 0
    far_unflagged: int = 0
    jakarta_borderline: int = 0
    keys: dict[str, str] = field(default_factory=dict)


def _post(
    s: Session,
    n: int,
    scores: dict[str, float],
    region: str = "15.71",
    version: str = "m2",
    thresholds: dict[str, float] = THRESHOLDS,
) -> Post:
    post = make_scored_post(
        s,
        f"teks {n}",
        scores,
        version=version,
        flagged=[label for label, score in scores.items() if score >= thresholds[label]],
        region=region,
        platform="rss",
        external_id=f"mix-{n}",
        url=f"https://example.id/mix/{n}",
        fetched_at=utcnow() - timedelta(minutes=n),
        content_hash=hashlib.sha256(f"mix{n}".encode()).hexdigest(),
        priority=1 - n / 100,
    )
    s.flush()
    return post


def seed_mix(s: Session) -> Mixed:
    """Store far, borderline, disputed and out-of-province posts, a model card and keys."""
    add_regions(s)
    s.add(
        ModelVersion(
            version="m2", path="m2.skops", sha256="0" * 64, card={"thresholds": THRESHOLDS}
        )
    )
    out = Mixed()
    for n in range(6):
        out.order.append(_post(s, n, {"hoax": 0.95, "money_politics": 0.05}).id)
    # Distances 0.02 (flagged), 0.03 (flagged via money_politics), 0.05 (not flagged).
    out.uncertain.append(_post(s, 10, {"hoax": 0.62}).id)
    out.uncertain.append(_post(s, 11, {"money_politics": 0.43, "hoax": 0.1}).id)
    out.uncertain.append(_post(s, 12, {"hoax": 0.55}).id)
    out.far_unflagged = _post(s, 13, {"hoax": 0.1}).id
    # m2 flags hoax, the older m1 did not: a disagreement even though far from threshold.
    disputed = _post(s, 14, {"hoax": 0.97})
    s.add(
        Prediction(
            post_id=disputed.id,
            label="hoax",
            score=0.3,
            flagged=False,
            model_version="m1",
            explanation={},
        )
    )
    out.disagree = disputed.id
    out.jakarta_borderline = _post(s, 15, {"hoax": 0.64}, region="31.71").id
    # As scoring would have stored it (the fixtures add predictions by hand).
    ids = [*out.order, *out.uncertain, out.far_unflagged, out.disagree, out.jakarta_borderline]
    refresh_uncertainty(s, ids)
    for role, regions in [("reviewer", []), ("liaison", ["15"])]:
        _, out.keys[role] = keys.create_key(s, role, role, regions)
    return out
