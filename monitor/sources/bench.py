"""`waspada bench ingest`: fetch, parse, dedup, store and classify N posts from a local server."""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import func, select

from classifiers.contracts import LABELS, Classifier
from monitor.cli.common import fail
from monitor.core import migrate
from monitor.core.db import make_engine
from monitor.core.runtime import Runtime, runtime_for_engine
from monitor.core.settings import load_settings
from monitor.posts.models import Post
from monitor.predictions import loader
from monitor.predictions.tasks import score_pending
from monitor.sources import service
from monitor.sources.benchdata import FeedServer, rss_feed, synthetic_posts, wordpress_pages
from monitor.sources.schemas import SourceSpec
from monitor.sources.tasks import collect_due, make_client


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _baseline(seed: int) -> Classifier | None:
    """Fit the project's pipeline on separate synthetic labelled posts (no promoted model)."""
    try:
        import numpy as np

        from classifiers.models.estimator import build_pipeline
        from classifiers.models.loaded import LoadedClassifier
    except ImportError:
        return None
    train = synthetic_posts(3000, seed=seed + 1, duplicate_share=0.0)
    y = np.array([[int(label in p["labels"]) for label in LABELS] for p in train])
    pipeline = build_pipeline(min_df=2, calibration_cv=2, word_max_features=20000)
    pipeline.fit([p["text"] for p in train], y)
    classifier: Classifier = LoadedClassifier(
        "bench-baseline", pipeline, dict.fromkeys(LABELS, 0.5)
    )
    return classifier


def bench_ingest(
    posts: Annotated[int, typer.Option(help="posts to serve")] = 50_000,
    per_source: Annotated[int, typer.Option(help="posts per source (feed)")] = 1000,
    kind: Annotated[str, typer.Option(help="wordpress (paged JSON) or rss")] = "wordpress",
    database_url: Annotated[
        str | None, typer.Option(help="scratch database (default: a temporary SQLite file)")
    ] = None,
    classify: Annotated[bool, typer.Option(help="score posts after storing them")] = True,
) -> None:
    """Serve N posts locally and time fetch+parse+dedup+store+classify; print posts/s and memory."""
    if kind not in ("wordpress", "rss"):
        raise fail("--kind must be wordpress or rss", 2)
    tmp = tempfile.TemporaryDirectory(prefix="waspada-bench-")
    url = database_url or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    settings = load_settings(
        data_dir=Path(tmp.name),
        database_url=url,
        http_host_interval=0.0,
        collect_batch=16,
        http_max_bytes=256 * 1024 * 1024,
        score_batch=1000,
    )
    engine = make_engine(url)
    migrate.upgrade(engine)
    rt = runtime_for_engine(settings, engine)
    with rt.session() as s:
        if s.scalar(select(func.count()).select_from(Post)):
            raise fail(
                f"{engine.url.render_as_string(True)} already holds posts; use a scratch database",
                2,
            )
    data = synthetic_posts(posts)
    classifier = _classifier(rt) if classify else None
    typer.echo(
        f"bench ingest: {posts} posts, {per_source} per source, kind {kind}, "
        f"database {engine.url.get_backend_name()}, classifier "
        f"{classifier.version if classifier else 'none'}"
    )
    with FeedServer() as server:
        _register(rt, server, data, per_source, kind)
        client = make_client(settings)
        t0 = time.perf_counter()
        while collect_due(rt, client, worker="bench"):
            pass
        t_store = time.perf_counter() - t0
        scored = score_pending(rt, classifier, None, "bench", budget=3600.0) if classifier else 0
        t_total = time.perf_counter() - t0
        client.close()
    with rt.session() as s:
        stored = s.scalar(select(func.count()).select_from(Post)) or 0
        copies = s.scalar(select(func.count()).where(Post.duplicate_of_id.is_not(None))) or 0
        flagged = s.scalar(select(func.count()).where(Post.flagged.is_(True))) or 0
    typer.echo(
        f"stored {stored} posts ({copies} exact copies linked) in {t_store:.2f}s: "
        f"{stored / t_store:,.0f} posts/s fetch+parse+dedup+store"
    )
    if classifier:
        typer.echo(f"scored {scored} posts ({flagged} flagged) in {t_total - t_store:.2f}s")
    typer.echo(
        f"end to end: {posts} posts in {t_total:.2f}s = {posts / t_total:,.0f} posts/s; "
        f"peak memory {_peak_mb():,.0f} MB"
    )
    rt.close()
    tmp.cleanup()


def _classifier(rt: Runtime) -> Classifier | None:
    with rt.session() as s:
        promoted = loader.load_classifier(s, rt.settings)
    if promoted is not None:
        return promoted
    t0 = time.perf_counter()
    baseline = _baseline(seed=7)
    if baseline is not None:
        typer.echo(
            f"no promoted model in this database: fitted the project pipeline on "
            f"3,000 synthetic posts in {time.perf_counter() - t0:.1f}s (not timed below)"
        )
    return baseline


def _register(
    rt: Runtime, server: FeedServer, data: list[dict[str, Any]], per_source: int, kind: str
) -> None:
    with rt.session() as s:
        for n, start in enumerate(range(0, len(data), per_source)):
            chunk = data[start : start + per_source]
            name = f"bench{n:04d}"
            if kind == "wordpress":
                server.pages[name] = wordpress_pages(chunk, 100)
                url = f"{server.base_url}/{name}"
                config: dict[str, Any] = {"per_page": 100, "max_pages": per_source // 100 + 2}
            else:
                server.feeds[name] = rss_feed(chunk, name)
                url = f"{server.base_url}/{name}.xml"
                config = {}
            spec = SourceSpec(name=name, kind=kind, url=url, config=config, language="id")
            service.add(s, spec, "bench")
