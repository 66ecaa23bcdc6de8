"""Where the time goes in `waspada bench day`: a database watcher and the processes' log lines.

The watcher polls the scratch database while the day runs and records when each post first
became visible to other processes (its page committed) and how many posts waited unscored;
the collectors' and workers' INFO log lines give each source run's and scoring batch's time.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from monitor.core.db import make_engine
from monitor.posts.models import Post

# A row's id comes from a sequence before its page commits, so a page committing late holds
# ids below ones already seen; re-reading this many ids back catches it.
ID_MARGIN = 5000


@dataclass
class Poll:
    """What the queue poller saw: first sighting per link, and each request's latency."""

    seen: dict[str, float] = field(default_factory=dict)
    # Copies listed under a cluster's row (`narrative.copy_ids`): the reviewer sees them there.
    seen_ids: dict[int, float] = field(default_factory=dict)
    latency: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0


def fold_copies(url: str, out: Poll) -> None:
    """Count a copy as seen when its cluster's row listed it (the queue groups by cluster)."""
    if not out.seen_ids:
        return
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(Post.id, Post.url).where(Post.id.in_(list(out.seen_ids)))
            ).all()
    finally:
        engine.dispose()
    for row in rows:
        if row.url:
            at = out.seen_ids[row.id]
            out.seen[row.url] = min(out.seen.get(row.url, at), at)


@dataclass
class Watch:
    """What the database watcher saw: commit time per link and the unscored backlog."""

    committed: dict[str, float] = field(default_factory=dict)
    backlog: list[tuple[float, int]] = field(default_factory=list)  # (time, unscored posts)
    errors: int = 0


def watch_db(url: str, stop: threading.Event, every: float, out: Watch) -> None:
    """Record when each post first became visible and the unscored count, until stopped."""
    engine = make_engine(url)
    top = 0
    try:
        while not stop.is_set():
            try:
                with engine.connect() as conn:
                    rows = conn.execute(
                        select(Post.id, Post.url).where(Post.id > top - ID_MARGIN)
                    ).all()
                    now = time.time()
                    waiting = conn.scalar(
                        select(func.count())
                        .select_from(Post)
                        .where(Post.classified_at.is_(None), Post.duplicate_of_id.is_(None))
                    )
            except Exception:
                out.errors += 1
                stop.wait(every)
                continue
            for row in rows:
                if row.url:
                    out.committed.setdefault(row.url, now)
                top = max(top, row.id)
            out.backlog.append((now, int(waiting or 0)))
            stop.wait(every)
    finally:
        engine.dispose()


@dataclass
class LogTimes:
    """Seconds per collector source run and per scoring batch, read from the INFO logs."""

    source_runs: list[tuple[float, float, int]] = field(default_factory=list)  # (end, s, new)
    score_runs: list[tuple[float, int]] = field(default_factory=list)  # (end, posts)
    problems: Counter[str] = field(default_factory=Counter)  # warning/error messages


def _value(line: str, key: str) -> str | None:
    # key=value lines (the default log format); a value with spaces is JSON-quoted.
    marker = f" {key}="
    at = line.find(marker)
    if at < 0:
        return None
    rest = line[at + len(marker) :]
    if rest.startswith('"'):
        try:
            return str(json.JSONDecoder().raw_decode(rest)[0])
        except ValueError:
            return None
    return rest.split(" ", 1)[0]


def read_logs(logs: Path) -> LogTimes:
    """Collect source-run and scoring figures from the processes' key=value log lines."""
    out = LogTimes()
    for path in sorted(logs.glob("*.log")):
        for line in path.read_text(errors="replace").splitlines():
            ts = _value(" " + line, "ts")
            if ts is None:
                continue
            try:
                at = _iso(ts)
                if 'msg="source collected"' in line:
                    seconds = float(_value(line, "seconds") or "nan")
                    out.source_runs.append((at, seconds, int(_value(line, "new") or 0)))
                elif 'msg="posts scored"' in line:
                    out.score_runs.append((at, int(_value(line, "posts") or 0)))
                elif _value(line, "level") in ("warning", "error"):
                    # Digits out: the scheduler's skipped-run lines differ only by time.
                    msg = re.sub(r"\d+", "N", _value(line, "msg") or "")[:120]
                    out.problems[f"{path.stem}: {msg}"] += 1
            except ValueError:
                continue  # a torn line at shutdown
    return out


def _iso(ts: str) -> float:
    return datetime.fromisoformat(ts).timestamp()
