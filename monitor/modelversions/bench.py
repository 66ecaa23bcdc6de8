"""`waspada bench classify`: posts per second through `waspada classify` vs bare predict."""

from __future__ import annotations

import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import typer

from classifiers.data.corpus import EVAL_DIR, SEEDS_DIR, read_labelled_jsonl
from classifiers.models.loaded import LoadedClassifier
from monitor.cli.common import fail
from monitor.modelversions import stream


def tweet_texts(n: int, seed: int = 7) -> list[str]:
    """Return n tweet-length texts (≤ 280 chars) recombined from the seeds and held-out posts."""
    pool = [
        ex.text
        for path in [*sorted(SEEDS_DIR.glob("*.jsonl")), *sorted(EVAL_DIR.glob("*.jsonl"))]
        for ex in read_labelled_jsonl(path)
    ]
    rng = random.Random(seed)
    out = []
    for i in range(n):
        a, b = rng.choice(pool), rng.choice(pool)
        # Mixing halves keeps the vocabulary realistic while making every text unique.
        text = f"{a[: len(a) // 2]} {b[len(b) // 2 :]} #{i}"
        out.append(text[:280])
    return out


def _write_input(path: Path, texts: list[str]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for i, text in enumerate(texts):
            fh.write(json.dumps({"id": str(i), "text": text}, ensure_ascii=False) + "\n")


def _run_cli(path: Path) -> tuple[float, float]:
    """Run `waspada classify` on a file; return (seconds, child peak RSS MiB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    res = subprocess.run(  # noqa: S603 - our own CLI, fixed arguments
        [sys.executable, "-m", "monitor", "classify", "--input", str(path), "--output", os.devnull],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if res.returncode != 0:
        raise fail(f"waspada classify failed: {res.stderr.strip()[-500:]}")
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return seconds, peak


def bench_classify(
    n: int = typer.Option(20_000, "--n", min=100, help="Tweet-length posts per run"),
    model: str | None = typer.Option(None, "--model", help="Version (default: promoted)"),
) -> None:
    """Print posts/s end to end through `waspada classify`, bare predict, and peak memory."""
    from monitor.modelversions.cli import _classifier, ready_runtime

    texts = tweet_texts(n)
    with ready_runtime() as rt:
        clf = _classifier(rt, model)
    assert isinstance(clf, LoadedClassifier)
    version = clf.version
    # Warm the caches the way a long-running process would have them.
    clf.classify(texts[:200])

    start = time.perf_counter()
    clf.pipeline.predict_proba(texts)
    bare = n / (time.perf_counter() - start)

    lines = [json.dumps({"id": str(i), "text": t}) for i, t in enumerate(texts)]
    start = time.perf_counter()
    stream.run(clf, iter(lines), io.StringIO())
    in_process = n / (time.perf_counter() - start)

    with tempfile.TemporaryDirectory() as tmp:
        small, large = Path(tmp) / "small.jsonl", Path(tmp) / "large.jsonl"
        _write_input(small, texts[: max(100, n // 10)])
        _write_input(large, texts)
        small_s, small_peak = _run_cli(small)
        large_s, large_peak = _run_cli(large)
    # The per-process start-up (imports, model load) is the small run's cost minus its posts.
    per_post = (large_s - small_s) / (n - max(100, n // 10))
    typer.echo(f"model: {version}  posts: {n}  (tweet-length, ≤280 chars)")
    typer.echo(f"bare sklearn predict_proba: {bare:,.0f} posts/s")
    typer.echo(f"classify (in-process stream, with explanations): {in_process:,.0f} posts/s")
    typer.echo(f"waspada classify end to end incl. start-up: {n / large_s:,.0f} posts/s")
    typer.echo(f"waspada classify steady state (start-up excluded): {1 / per_post:,.0f} posts/s")
    typer.echo(f"ratio steady state / bare: {(1 / per_post) / bare:.2f}")
    typer.echo(
        f"peak RSS: {small_peak:,.0f} MiB for {max(100, n // 10)} posts, "
        f"{large_peak:,.0f} MiB for {n} posts"
    )
