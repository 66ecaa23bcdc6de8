"""`waspada bench ingest`: fetch, parse, dedup, store and classify N posts from a local server."""

from __future__ import annotations

import resource
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from classifiers.contracts import LABELS, Classifier
from classifiers.models.estimator import build_pipeline
from classifiers.models.loaded import LoadedClassifier
from monitor.cli.bench.sources_data import FeedServer, rss_feed, synthetic_posts, wordpress_pages
from monitor.cli.common import fail
from monitor.core import migrate
from monitor.core.db import make_engine
from monitor.core.outbound import policy_for
from monitor.core.runtime import Runtime, runtime_for_engine
from monitor.core.settings import load_settings
from monitor.flows.scoring import score_pending
from monitor.pipeline import hooks
from monitor.posts.models import Post
from monitor.predictions import loader
from monitor.regions.tasks import load_regions_step
from monitor.sources import service
from monitor.sources.fetchers import fetcher_for
from monitor.sources.fetchers.base import FetchState
from monitor.sources.http import HttpClient
from monitor.sources.models import Source
from monitor.sources.schemas import SourceSpec
from monitor.sources.tasks import collect_due, make_client


@contextmanager
def _timed_hooks(spent: dict[str, float]) -> Iterator[None]:
    """Time each arrival hook (the registry is a plain list, restored afterwards)."""
    original = list(hooks.ARRIVAL_HOOKS)

    def wrap(name: str, hook: hooks.PostHook) -> hooks.PostHook:
        def timed(session: Session, posts: Sequence[Post], declared: Mapping[int, str]) -> None:
            t0 = time.perf_counter()
            try:
                hook(session, posts, declared)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - t0

        return timed

    hooks.ARRIVAL_HOOKS[:] = [(name, wrap(name, hook)) for name, hook in original]
    try:
        yield
    finally:
        hooks.ARRIVAL_HOOKS[:] = original


def _fetch_only(rt: Runtime, client: HttpClient) -> int:
    """Fetch and parse every source once without storing (the fetch+parse share of the run)."""
    with rt.session() as s:
        claimed = service.claim_due(s, rt.settings, "bench-fetch", limit=100_000)
        fetched = 0
        for c in claimed:
            items, _ = fetcher_for(c.source.kind, client).fetch(c.source, FetchState())
            fetched += len(items)
        s.rollback()  # give the leases back: the timed run claims them for real
    return fetched


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _baseline(seed: int) -> Classifier | None:
    """Fit the project's pipeline on separate synthetic labelled posts (no promoted model)."""
    train = synthetic_posts(3000, seed=seed + 1, duplicate_share=0.0, near_copy_share=0.0)
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
    # Why a context manager: Ctrl-C in a long run must not leave a large scratch database.
    with tempfile.TemporaryDirectory(prefix="waspada-bench-") as tmp:
        _run(Path(tmp), posts, per_source, kind, database_url, classify)


def _run(
    tmp: Path,
    posts: int,
    per_source: int,
    kind: str,
    database_url: str | None,
    classify: bool,
) -> None:
    url = database_url or f"sqlite:///{tmp / 'bench.db'}"
    settings = load_settings(
        data_dir=tmp,
        database_url=url,
        http_host_interval=0.0,
        collect_batch=16,
        http_max_bytes=256 * 1024 * 1024,
        score_batch=1000,
        # The bench serves its own feeds on 127.0.0.1: allow exactly that, explicitly.
        outbound_allow="127.0.0.1",
    )
    engine = make_engine(url)
    migrate.upgrade(engine)
    rt = runtime_for_engine(settings, engine)
    with rt.session() as s:
        if s.scalar(select(func.count()).select_from(Post)):
            raise fail(
                f"{engine.url.render_as_string(hide_password=True)} already holds posts; "
                "use a scratch database",
                2,
            )
    # As `waspada up` does at start-up: the region list is loaded before posts arrive.
    load_regions_step(rt)
    data = synthetic_posts(posts)
    classifier = _classifier(rt) if classify else None
    typer.echo(
        f"bench ingest: {posts} posts, {per_source} per source, kind {kind}, "
        f"database {engine.url.get_backend_name()}, classifier "
        f"{classifier.version if classifier else 'none'}"
    )
    hook_seconds: dict[str, float] = {}
    with FeedServer() as server:
        _register(rt, server, data, per_source, kind)
        client = make_client(settings)
        f0, c0 = time.perf_counter(), time.process_time()
        fetched = _fetch_only(rt, client)
        t_fetch, cpu_fetch = time.perf_counter() - f0, time.process_time() - c0
        t0, cpu0 = time.perf_counter(), time.process_time()
        with _timed_hooks(hook_seconds):
            while collect_due(rt, client, worker="bench"):
                pass
        t_store = time.perf_counter() - t0
        s1 = time.perf_counter()
        scored = score_pending(rt, classifier, None, "bench", budget=3600.0) if classifier else 0
        t_score = time.perf_counter() - s1
        t_total = time.perf_counter() - t0
        cpu_total = time.process_time() - cpu0
        client.close()
    with rt.session() as s:
        stored = s.scalar(select(func.count()).select_from(Post)) or 0
        copies = s.scalar(select(func.count()).where(Post.duplicate_of_id.is_not(None))) or 0
        flagged = s.scalar(select(func.count()).where(Post.flagged.is_(True))) or 0
        clusters = s.scalar(select(func.count(func.distinct(Post.cluster_id)))) or 0
    t_hooks = sum(hook_seconds.values())
    # Collector threads run in parallel on PostgreSQL: compare hook time with the summed time
    # of the runs (each source's last run duration), not with the wall clock.
    with rt.session() as s:
        run_ms = [
            int((src.stats or {}).get("last_duration_ms", 0)) for src in s.scalars(select(Source))
        ]
    thread_seconds = max(sum(run_ms) / 1000, 1e-9)
    share = min(t_hooks / thread_seconds, 1.0)
    typer.echo(
        f"fetch+parse alone: {fetched} posts in {t_fetch:.2f}s = {fetched / t_fetch:,.0f} posts/s "
        f"(cpu {cpu_fetch:.2f}s)"
    )
    typer.echo(
        f"stored {stored} posts ({copies} exact copies linked, {clusters} clusters incl. "
        f"singletons) in {t_store:.2f}s: {stored / t_store:,.0f} posts/s "
        "fetch+parse+dedup+store+hooks"
    )
    parts = ", ".join(f"{name} {sec:.2f}s" for name, sec in hook_seconds.items())
    typer.echo(
        f"  arrival hooks took {t_hooks:.2f}s ({parts}) of {thread_seconds:.2f}s collector "
        f"thread time ({share:.0%}); without them about "
        f"{stored / max(t_store * (1 - share), 1e-9):,.0f} posts/s"
    )
    if classifier:
        typer.echo(
            f"scored {scored} posts ({flagged} flagged) in {t_score:.2f}s = "
            f"{scored / max(t_score, 1e-9):,.0f} posts/s"
        )
    typer.echo(
        f"end to end: {posts} posts in {t_total:.2f}s = {posts / t_total:,.0f} posts/s "
        f"(process cpu {cpu_total:.2f}s = {posts / max(cpu_total, 1e-9):,.0f} posts per "
        f"cpu-second); peak memory {_peak_mb():,.0f} MB"
    )
    rt.close()


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
            service.add(s, spec, "bench", policy=policy_for(rt.settings))
