"""`waspada bench classify`: posts per second through `waspada classify` vs bare predict."""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import typer

from classifiers.data.corpus import EVAL_DIR, SEEDS_DIR, read_labelled_jsonl
from classifiers.models.loaded import LoadedClassifier
from monitor.cli.commands.classify import classifier_for, ready_runtime
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


def _run_cli(path: Path) -> tuple[float, float, float]:
    """Run `waspada classify` on a file; return (wall seconds, CPU seconds, peak RSS MiB)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        args = ["classify", "--input", str(path), "--output", os.devnull]
        proc = subprocess.Popen(  # noqa: S603 - our own CLI, fixed arguments
            [sys.executable, "-m", "monitor", *args],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        # wait4 gives this child's own CPU time and peak RSS (not a running max over children).
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        if proc.returncode != 0:
            err.seek(0)
            tail = err.read().decode("utf-8", "replace").strip()[-500:]
            raise fail(f"waspada classify failed: {tail}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def bench_classify(
    n: int = typer.Option(20_000, "--n", min=100, help="Tweet-length posts per run"),
    model: str | None = typer.Option(None, "--model", help="Version (default: promoted)"),
) -> None:
    """Print posts/s end to end through `waspada classify`, bare predict, and peak memory."""
    texts = tweet_texts(n)
    with ready_runtime() as rt:
        clf = classifier_for(rt, model)
    assert isinstance(clf, LoadedClassifier)
    version = clf.version
    # Warm the caches the way a long-running process would have them.
    clf.classify(texts[:200])

    bare_wall, bare_cpu = _timed(lambda: clf.pipeline.predict_proba(texts))
    lines = [json.dumps({"id": str(i), "text": t}) for i, t in enumerate(texts)]
    run_wall, run_cpu = _timed(lambda: stream.run(clf, iter(lines), io.StringIO()))

    small_n = max(100, n // 10)
    with tempfile.TemporaryDirectory() as tmp:
        small, large = Path(tmp) / "small.jsonl", Path(tmp) / "large.jsonl"
        _write_input(small, texts[:small_n])
        _write_input(large, texts)
        small_s, small_cpu, small_peak = _run_cli(small)
        large_s, large_cpu, large_peak = _run_cli(large)
    # The per-process start-up (imports, model load) is the small run's cost minus its posts.
    steady_wall = (n - small_n) / max(large_s - small_s, 1e-9)
    steady_cpu = (n - small_n) / max(large_cpu - small_cpu, 1e-9)
    busy = os.getloadavg()[0]
    typer.echo(f"model: {version}  posts: {n}  (tweet-length, <=280 chars)")
    typer.echo(f"load average while measuring: {busy:.1f} on {os.cpu_count()} CPUs")
    typer.echo("                                         wall-clock     per CPU-second")
    rows = [
        ("bare sklearn predict_proba", n / bare_wall, n / bare_cpu),
        ("classify in-process (with explanations)", n / run_wall, n / run_cpu),
        ("waspada classify end to end incl. start-up", n / large_s, n / large_cpu),
        ("waspada classify steady state", steady_wall, steady_cpu),
    ]
    for name, wall, cpu in rows:
        typer.echo(f"{name:42} {wall:>8,.0f} /s    {cpu:>8,.0f} /s")
    typer.echo(
        f"ratio steady state / bare: {steady_wall / (n / bare_wall):.2f} (wall), "
        f"{steady_cpu / (n / bare_cpu):.2f} (CPU)"
    )
    typer.echo(
        f"start-up (imports + model load): {small_s - small_n / steady_wall:.1f} s wall; "
        f"peak RSS {small_peak:,.0f} MiB for {small_n} posts, {large_peak:,.0f} MiB for {n} posts"
    )
