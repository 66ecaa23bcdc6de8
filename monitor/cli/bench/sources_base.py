"""References for the ingest bench: a bare driver insert of the same rows, a baseline model."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import typer

from classifiers.contracts import LABELS, Classifier
from classifiers.models.estimator import build_pipeline
from classifiers.models.loaded import LoadedClassifier
from monitor.cli.bench.sources_data import synthetic_posts
from monitor.core.runtime import Runtime
from monitor.predictions import loader

BARE_COLUMNS = "(platform, external_id, url, text, content_hash, published_at)"
BARE_TABLE = (
    "CREATE TABLE bench_bare (id {pk}, platform VARCHAR(40), external_id VARCHAR(500), "
    "url TEXT, text TEXT, content_hash TEXT, published_at TIMESTAMP{tz}, "
    "UNIQUE (platform, external_id))"
)


def bare_insert(rt: Runtime, rows: list[tuple[Any, ...]]) -> float:
    """Insert rows with the driver's executemany (sqlite3 / psycopg) in 1,000-row commits."""
    engine = rt.engine
    postgres = engine.dialect.name == "postgresql"
    placeholder = "%s" if postgres else "?"
    conn = engine.raw_connection()
    try:
        cur = conn.cursor()
        cur.execute("DROP TABLE IF EXISTS bench_bare")
        pk = "BIGSERIAL PRIMARY KEY" if postgres else "INTEGER PRIMARY KEY"
        cur.execute(BARE_TABLE.format(pk=pk, tz=" WITH TIME ZONE" if postgres else ""))
        conn.commit()
        # Only the driver's placeholder style varies; every value is a bound parameter.
        values = ", ".join([placeholder] * 6)
        sql = f"INSERT INTO bench_bare {BARE_COLUMNS} VALUES ({values})"  # noqa: S608
        t0 = time.perf_counter()
        for start in range(0, len(rows), 1000):
            part = rows[start : start + 1000]
            if not postgres:
                part = [(*r[:5], r[5].isoformat() if r[5] else None) for r in part]
            cur.executemany(sql, part)
            conn.commit()
        return time.perf_counter() - t0
    finally:
        conn.close()


def baseline_classifier(rt: Runtime) -> Classifier | None:
    """Return the promoted model, else the project's pipeline fitted on synthetic posts."""
    with rt.session() as s:
        promoted = loader.load_classifier(s, rt.settings)
    if promoted is not None:
        return promoted
    import numpy as np

    t0 = time.perf_counter()
    train = synthetic_posts(3000, seed=8, duplicate_share=0.0, near_copy_share=0.0)
    y = np.array([[int(label in p["labels"]) for label in LABELS] for p in train])
    pipeline = build_pipeline(min_df=2, calibration_cv=2, word_max_features=20000)
    pipeline.fit([p["text"] for p in train], y)
    typer.echo(
        f"fitted a baseline model on 3,000 synthetic posts in {time.perf_counter() - t0:.1f}s"
    )
    return LoadedClassifier("bench-baseline", pipeline, dict.fromkeys(LABELS, 0.5))


def server_cpu_seconds(rt: Runtime) -> float | None:
    """Return the CPU seconds of the local PostgreSQL server's processes (None elsewhere)."""
    if rt.engine.dialect.name != "postgresql":
        return None
    with rt.engine.connect() as conn:
        backend = int(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() or 0)
    # Read from /proc: works only when the server runs on this machine (as in the bench).
    try:
        postmaster = int(_stat(backend)[1])
        pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    except (OSError, ValueError, IndexError):
        return None
    total = 0
    for pid in pids:
        try:
            fields = _stat(pid)
        except (OSError, IndexError):
            continue  # a process that ended meanwhile
        if pid == postmaster or fields[1] == str(postmaster):
            total += int(fields[11]) + int(fields[12])  # utime + stime (clock ticks)
    return total / os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    """Return /proc/<pid>/stat fields after the command name (state, ppid, ...)."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    return raw[raw.rindex(")") + 2 :].split()
