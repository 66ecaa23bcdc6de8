"""`waspada bench classify`: posts per second through `waspada classify` vs bare predict."""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import typer

from classifiers.data.corpus import EVAL_DIR, SEEDS_DIR, read_labelled_jsonl
from monitor.cli.commands.classify_db import classifier_for, ready_runtime
from monitor.cli.common import fail
from monitor.factchecks.service import load_matcher
from monitor.modelversions.stream import BATCH


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


def real_tweets(n: int, root: Path) -> list[str]:
    """Return n real tweets (Ibrohim & Budi 2019, then Pilpres 2019), cycled when n exceeds them."""
    pool: list[str] = []
    ibrohim = root / "ibrohim2019_hs_abusive" / "re_dataset.csv"
    pilpres = root / "pilpres2019_sentiment" / "tweet.csv"
    if ibrohim.is_file():
        with ibrohim.open(encoding="cp1252", errors="replace", newline="") as fh:
            pool += [row["Tweet"] for row in csv.DictReader(fh)]
    if pilpres.is_file():
        with pilpres.open(encoding="utf-8", errors="replace", newline="") as fh:
            pool += [row["tweet"] for row in csv.DictReader(fh)]
    return [pool[i % len(pool)] for i in range(n)] if pool else []


def _bare_model(texts: list[str]) -> tuple[float, float]:
    """Fit word TF-IDF + one-vs-rest logistic regression on the labelled seeds and held-out
    posts, then time transform + predict_proba of `texts`; return (wall s, CPU s)."""
    # Heavy and only needed here: the bench is not on `waspada classify`'s start path.
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    rows = [
        ex
        for path in [*sorted(SEEDS_DIR.glob("*.jsonl")), *sorted(EVAL_DIR.glob("*.jsonl"))]
        for ex in read_labelled_jsonl(path)
    ]
    Y = np.array([[max(v, 0) for v in ex.row()] for ex in rows])
    vec = TfidfVectorizer(sublinear_tf=True)
    model = OneVsRestClassifier(LogisticRegression(max_iter=1000))
    model.fit(vec.fit_transform([ex.text for ex in rows]), Y)
    return _timed(lambda: model.predict_proba(vec.transform(texts)))


def _first_line(line: str) -> tuple[float, float]:
    """Start `waspada classify`, send one line; return (wall s to its first line, CPU s)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "classify"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(line.encode("utf-8") + b"\n")
    proc.stdin.flush()
    proc.stdin.close()
    answer = proc.stdout.readline()
    seconds = time.perf_counter() - start
    # One post in, so the process's whole CPU time is what its first line cost.
    _, _, usage = os.wait4(proc.pid, 0)
    proc.returncode = 0
    if not answer:
        raise fail("waspada classify gave no output line")
    return seconds, usage.ru_utime + usage.ru_stime


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
    n: int = typer.Option(20_000, "--n", min=100, help="Posts per run"),
    model: str | None = typer.Option(None, "--model", help="Version (default: promoted)"),
    from_dir: Path = typer.Option(
        Path("../shared/data"), "--from", help="Public datasets (real tweets)"
    ),
) -> None:
    """Print posts/s end to end through `waspada classify`, the bare model's, and their ratio."""
    texts = real_tweets(n, from_dir)
    kind = "real tweets (Ibrohim & Budi 2019, Pilpres 2019)"
    if not texts:
        texts, kind = tweet_texts(n), "tweet-length texts recombined from the seeds"
    with ready_runtime() as rt:
        clf = classifier_for(rt, model)
        with rt.session() as session:
            matcher = load_matcher(session, rt.settings.data_dir)
            debunks = len(matcher.index) if matcher is not None else 0
    version = getattr(clf, "version", "?")
    bare_wall, bare_cpu = _bare_model(texts)
    small_n = max(100, n // 10)
    with tempfile.TemporaryDirectory() as tmp:
        small, large = Path(tmp) / "small.jsonl", Path(tmp) / "large.jsonl"
        _write_input(small, texts[:small_n])
        _write_input(large, texts)
        first, first_cpu = _first_line(
            json.dumps({"id": "1", "text": texts[0]}, ensure_ascii=False)
        )
        small_s, small_cpu, small_peak = _run_cli(small)
        large_s, large_cpu, large_peak = _run_cli(large)
    # The per-process start-up (imports, model load, index) is the small run's cost minus its posts.
    steady_wall = (n - small_n) / max(large_s - small_s, 1e-9)
    steady_cpu = (n - small_n) / max(large_cpu - small_cpu, 1e-9)
    busy = os.getloadavg()[0]
    typer.echo(f"model: {version}  posts: {n} {kind}  debunks indexed: {debunks}")
    typer.echo(f"load average while measuring: {busy:.1f} on {os.cpu_count()} CPUs")
    # A copy inside one batch is scored once; say how many the input holds, so a speed-up
    # from copies is never mistaken for one of the scoring (cycled copies are n/k apart).
    batches = (texts[i : i + BATCH] for i in range(0, len(texts), BATCH))
    copies = sum(len(b) - len(set(b)) for b in batches)
    typer.echo(f"lines repeating a line of their own batch of {BATCH} (scored once): {copies}")
    typer.echo("                                            wall-clock     per CPU-second")
    rows = [
        ("bare word TF-IDF + one-vs-rest LR (in-process)", n / bare_wall, n / bare_cpu),
        ("waspada classify end to end incl. start-up", n / large_s, n / large_cpu),
        ("waspada classify steady state", steady_wall, steady_cpu),
    ]
    for name, wall, cpu in rows:
        typer.echo(f"{name:46} {wall:>8,.0f} /s    {cpu:>8,.0f} /s")
    typer.echo(
        f"ratio end to end / bare: {(n / large_s) / (n / bare_wall):.3f} (wall), "
        f"{(n / large_cpu) / (n / bare_cpu):.3f} (CPU); steady state / bare: "
        f"{steady_wall / (n / bare_wall):.3f} (wall), {steady_cpu / (n / bare_cpu):.3f} (CPU)"
    )
    typer.echo(
        f"time to first line (start, one post in, one line out): {first:.2f} s wall, "
        f"{first_cpu:.2f} s CPU; "
        f"start-up (imports, model, index): {small_s - small_n / steady_wall:.1f} s wall; "
        f"peak RSS {small_peak:,.0f} MiB for {small_n} posts, {large_peak:,.0f} MiB for {n} posts"
    )
