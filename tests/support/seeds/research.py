"""A researcher's database: real held-out posts over 8 days in 4 provinces, scored by a
promoted seeds-only model through the real scoring job, and reviewed (some twice)."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from classifiers.data.corpus import EVAL_DIR, read_labelled_jsonl
from classifiers.data.registry import datasets_dir
from classifiers.models.loaded import LoadedClassifier
from classifiers.models.train import TrainConfig, TrainedModel, train
from monitor.core.base import utcnow
from monitor.core.db import make_engine
from monitor.core.runtime import Runtime, runtime_for_engine
from monitor.core.settings import load_settings
from monitor.flows.scoring import score_pending
from monitor.modelversions import repository
from monitor.modelversions import service as models
from monitor.modelversions.loading import load_version
from monitor.posts.models import Post
from monitor.regions.models import Region
from monitor.research.promote import promote
from monitor.reviews.models import Review
from monitor.sources.models import Source
from tests.conftest import SHARED_DATA
from tests.support.posts import make_post, tag_region

PROVINCES = [
    ("31", "DKI Jakarta"),
    ("32", "Jawa Barat"),
    ("35", "Jawa Timur"),
    ("15", "Jambi"),
]
SOURCES = ["kompas-rss", "detik-rss", "mastodon-id", "telegram-kabar"]
REVIEWERS = ["rina", "budi", "sari"]


@dataclass
class Seeded:
    """What was stored."""

    base_version: str
    post_ids: list[int] = field(default_factory=list)
    review_ids: list[int] = field(default_factory=list)


def link_shared_datasets(data_dir: Path, names: list[str] | None = None) -> None:
    """Point the data directory's datasets at ../shared/data (symlinks: nothing copied)."""
    target = datasets_dir(data_dir)
    target.mkdir(parents=True, exist_ok=True)
    for src in sorted(SHARED_DATA.iterdir()):
        if src.is_dir() and (names is None or src.name in names):
            link = target / src.name
            if not link.exists():
                os.symlink(src, link)


def _digest(*parts: object) -> int:
    return int(hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:8], 16)


_BASE: dict[str, TrainedModel] = {}


def base_model(data_dir: Path) -> TrainedModel:
    """The seeds-only model (trained once per test process: training is deterministic)."""
    if "base" not in _BASE:
        config = TrainConfig.small()
        config.stem = False  # cold Sastrawi costs ~50 ms a word; tests need seconds
        _BASE["base"] = train(data_dir, config)
    return _BASE["base"]


def promote_base_model(database_url: str, data_dir: Path, version: str) -> None:
    """Register and promote the seeds-only model in a committed database (for subprocesses)."""
    engine = make_engine(database_url)
    rt = runtime_for_engine(load_settings(data_dir=data_dir, database_url=database_url), engine)
    try:
        with rt.session() as s:
            row = models.register(s, data_dir, base_model(data_dir), version=version)
            promote(s, data_dir, row.version, None, actor="test:seed")
    finally:
        engine.dispose()


def seed(rt: Runtime, now: datetime | None = None, days: int = 8) -> Seeded:
    """Store regions, sources, posts; promote a seeds-only model; score; review."""
    now = now or utcnow()
    base = base_model(rt.settings.data_dir)
    with rt.session() as s:
        row = models.register(s, rt.settings.data_dir, base, version="m-base")
        promote(s, rt.settings.data_dir, row.version, None, actor="test:seed")
        version = row.version
    truth: dict[int, list[str]] = {}
    with rt.session() as s:
        for code, name in PROVINCES:
            if s.get(Region, code) is None:
                s.add(Region(code=code, name=name, level="province", parent_code=None))
        sources = []
        for name in SOURCES:
            src = Source(name=name, kind="rss", url=f"https://{name}.example.id/feed")
            s.add(src)
            sources.append(src)
        s.flush()
        examples = read_labelled_jsonl(EVAL_DIR / "heldout_posts.jsonl")
        for i, ex in enumerate(examples):
            h = _digest(ex.id)
            at = now - timedelta(days=h % days, hours=h % 23, minutes=i)
            post = make_post(
                s,
                ex.text,
                source_id=sources[h % len(sources)].id,
                platform="rss",
                external_id=f"nb-{ex.id}",
                url=f"https://example.id/{ex.id}",
                language="id",
                published_at=at,
                fetched_at=at,
                content_hash=hashlib.sha256(ex.text.encode()).hexdigest(),
            )
            code = PROVINCES[(h // 7) % len(PROVINCES)][0]
            tag_region(s, post, code)
            truth[post.id] = [label for label, v in ex.labels.items() if v == 1]
    classifier = models_loaded(rt, version)
    score_pending(rt, classifier=classifier, matcher=None)
    out = Seeded(base_version=version, post_ids=sorted(truth))
    with rt.session() as s:
        for n, post_id in enumerate(sorted(truth)):
            stored = s.get(Post, post_id)
            assert stored is not None
            post = stored
            labels = truth[post_id]
            # Reviewers see flagged posts and a sample of the rest (what the queue shows).
            if not post.flagged and n % 3:
                continue
            decision = "confirm" if labels else "dismiss"
            reviewer = REVIEWERS[n % 2]
            at = post.fetched_at + timedelta(hours=2)
            if n % 4 == 0:
                # A second reviewer looked first; one in three of those disagreed.
                earlier = "dismiss" if (n % 12 == 0 and decision == "confirm") else decision
                first = Review(
                    post_id=post_id,
                    reviewer_name=REVIEWERS[2],
                    decision=earlier,
                    labels=labels if earlier == "confirm" else [],
                    superseded=True,
                    created_at=at - timedelta(minutes=30),
                )
                s.add(first)
            review = Review(
                post_id=post_id,
                reviewer_name=reviewer,
                decision=decision,
                labels=labels if decision == "confirm" else [],
                created_at=at,
            )
            s.add(review)
            s.flush()
            out.review_ids.append(review.id)
            post.review_status = "confirmed" if decision == "confirm" else "dismissed"
    return out


def models_loaded(rt: Runtime, version: str) -> LoadedClassifier:
    """Load a registered version through the registry (checksums, trusted types)."""
    with rt.session() as s:
        row = repository.get(s, version)
        assert row is not None
        return load_version(row)
