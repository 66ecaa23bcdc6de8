"""`waspada bench cluster`: incremental clustering throughput, memory, membership precision."""

from __future__ import annotations

import hashlib
import itertools
import tempfile
import time
import tracemalloc
from collections import Counter
from datetime import timedelta
from pathlib import Path

import typer

from classifiers.neardup import NearDupIndex, Signature, text_signature
from monitor.cli.bench import clusters_data as benchdata
from monitor.cli.bench.clusters_data import Item
from monitor.cli.common import fail
from monitor.clusters.service import assign_clusters
from monitor.core import migrate
from monitor.core.base import utcnow
from monitor.core.db import make_engine
from monitor.core.runtime import runtime_for_engine
from monitor.core.settings import load_settings
from monitor.posts.models import Post


def assign(index: NearDupIndex, texts: list[str]) -> list[int | None]:
    """Assign each text to a cluster id as the arrival hook does (None: too short to cluster)."""
    out: list[int | None] = []
    next_id = max(index.signatures, default=0) + 1
    for text in texts:
        sig = text_signature(text)
        if sig is None:
            out.append(None)
            continue
        hits = index.query(sig)
        if hits:
            out.append(hits[0][0])
            continue
        index.add(next_id, sig)
        out.append(next_id)
        next_id += 1
    return out


def membership(items: list[Item], clusters: list[int | None]) -> dict[str, float]:
    """Pairwise precision and recall of cluster membership, and join rates per item kind."""
    same_pred = same_true = both = 0
    for (a, ca), (b, cb) in itertools.combinations(zip(items, clusters, strict=True), 2):
        pred = ca is not None and ca == cb
        true = a.group == b.group
        same_pred += pred
        same_true += true
        both += pred and true
    originals = {
        it.group: c for it, c in zip(items, clusters, strict=True) if it.kind == "original"
    }
    joined: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for it, c in zip(items, clusters, strict=True):
        kinds[it.kind] += 1
        if it.kind == "copy":
            joined[it.kind] += c is not None and c == originals.get(it.group)
        elif it.kind != "original":
            # A look-alike "joins" when it lands in any other message's cluster.
            joined[it.kind] += c is not None and c in originals.values()
    return {
        "precision": both / max(same_pred, 1),
        "recall": both / max(same_true, 1),
        **{f"joined_{k}": joined[k] / max(kinds[k], 1) for k in ("copy", "template", "quote")},
        **{f"n_{k}": float(v) for k, v in kinds.items()},
    }


def _memory(index: NearDupIndex) -> int:
    # Rebuild a copy under tracemalloc: the bytes an index of this many clusters keeps.
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    copy = NearDupIndex(index.threshold)
    for cid, sig in index.signatures.items():
        copy.add(cid, Signature(sig.values.copy()))
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del copy
    return used


def _database(texts: list[str], database_url: str | None) -> tuple[int, float, float, int, float]:
    """Time the arrival hook itself (assign + stats) on a scratch database."""
    tmp = tempfile.TemporaryDirectory(prefix="waspada-bench-")
    url = database_url or f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    rt = runtime_for_engine(load_settings(data_dir=Path(tmp.name), database_url=url), engine)
    start = utcnow() - timedelta(hours=len(texts) / 1000)
    elapsed = cpu = longest = 0.0
    with rt.session() as s:
        if s.query(Post).count():
            raise fail(f"{url} already holds posts; use a scratch database", 2)
    for offset in range(0, len(texts), 200):
        chunk = texts[offset : offset + 200]
        with rt.session() as s:
            posts = [
                Post(
                    platform="bench",
                    external_id=str(offset + i),
                    author=f"akun{(offset + i) % 97}",
                    text=t,
                    published_at=start + timedelta(seconds=3.6 * (offset + i)),
                    content_hash=hashlib.sha256(f"{offset + i}{t}".encode()).hexdigest(),
                )
                for i, t in enumerate(chunk)
            ]
            s.add_all(posts)
            s.flush()
            t0, c0 = time.perf_counter(), time.process_time()
            assign_clusters(s, posts)
            spent = time.perf_counter() - t0
            elapsed += spent
            longest = max(longest, spent)  # the write lock is held this long (SQLite)
            cpu += time.process_time() - c0
    with rt.session() as s:
        clustered = s.query(Post).filter(Post.cluster_id.is_not(None)).count()
    rt.close()
    tmp.cleanup()
    return len(texts), elapsed, cpu, clustered, longest


def _flood(n: int, database_url: str | None, seed: int) -> None:
    texts = benchdata.template_flood(n, seed)
    index = NearDupIndex()
    t0 = time.perf_counter()
    assign(index, texts)
    typer.echo(f"template flood, in memory: {n} posts in {time.perf_counter() - t0:.2f}s")
    count, elapsed, cpu, clustered, longest = _database(texts, database_url)
    typer.echo(
        f"template flood through the arrival hook ({'given' if database_url else 'SQLite'} "
        f"database, 200 posts per transaction): {count} posts in {elapsed:.2f}s "
        f"({cpu:.2f} CPU-s), longest hook call {longest:.2f}s, "
        f"{clustered} clustered"
    )


def bench_cluster(
    posts: int = typer.Option(50_000, min=100, help="Posts through in-memory assignment"),
    messages: int = typer.Option(300, min=10, help="Messages in the labelled membership set"),
    db_posts: int = typer.Option(
        2_000, min=0, help="Posts through the arrival hook on a scratch database (0: skip)"
    ),
    database_url: str | None = typer.Option(
        None, help="Scratch database for that part (default: a temporary SQLite file)"
    ),
    from_dir: Path = typer.Option(Path("../shared/data"), "--from", help="Public datasets"),
    seed: int = typer.Option(7),
    flood: int = typer.Option(
        0, min=0, help="Only time N posts filling one template with other names (issue 13)"
    ),
) -> None:
    """Print membership precision/recall, posts/s, memory per million posts, DB hook posts/s."""
    if flood:
        _flood(flood, database_url, seed)
        return
    try:
        items = benchdata.labelled_set(from_dir, messages, seed)
        texts = benchdata.stream(from_dir, posts, seed)
    except FileNotFoundError as exc:
        raise fail(str(exc)) from None
    m = membership(items, assign(NearDupIndex(), [it.text for it in items]))
    typer.echo(
        f"labelled set: {len(items)} posts from {messages} real claims "
        f"({m['n_copy']:.0f} edited copies, {m['n_template']:.0f} same-template-other-names, "
        f"{m['n_quote']:.0f} different messages quoting a long sentence)"
    )
    typer.echo(
        f"membership: pairwise precision {m['precision']:.3f}, recall {m['recall']:.3f}; "
        f"copies joined {m['joined_copy']:.1%}; look-alikes wrongly joined: template "
        f"{m['joined_template']:.1%}, shared quote {m['joined_quote']:.1%}"
    )
    index = NearDupIndex()
    assign(index, texts[:200])  # warm-up: imports, numpy paths
    index = NearDupIndex()
    t0, c0 = time.perf_counter(), time.process_time()
    assigned = assign(index, texts)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    clusters = len(index)
    clustered = sum(c is not None for c in assigned)
    typer.echo(
        f"incremental: {posts} posts in {wall:.2f}s = {posts / wall:,.0f} posts/s "
        f"({posts / cpu:,.0f} per CPU-second; one process); {clustered} clustered into "
        f"{clusters} clusters"
    )
    used = _memory(index)
    per_cluster = used / max(clusters, 1)
    per_million = per_cluster * clusters / max(posts, 1) * 1_000_000
    typer.echo(
        f"memory: {used / 2**20:.1f} MiB for {clusters} clusters = {per_cluster:.0f} B per "
        f"cluster; {per_million / 2**20:,.0f} MiB per million posts at this copy rate "
        f"(at most {per_cluster * 1_000_000 / 2**20:,.0f} MiB if every post were new)"
    )
    if db_posts:
        n, elapsed, db_cpu, db_clustered, _ = _database(texts[:db_posts], database_url)
        typer.echo(
            f"arrival hook on {'the given' if database_url else 'a SQLite'} database: {n} posts "
            f"in {elapsed:.2f}s = {n / elapsed:,.0f} posts/s ({n / db_cpu:,.0f} per CPU-second; "
            f"assign + cluster stats), {db_clustered} clustered"
        )
