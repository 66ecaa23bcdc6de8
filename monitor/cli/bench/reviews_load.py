"""Load primitives of `waspada bench api`: open and closed loops, the server under test."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from monitor.cli.common import fail


@dataclass
class Result:
    """Latencies (ms) and failures of one scenario."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    offered: float = 0.0  # requests/s scheduled (0 for closed loop)
    server_cpu: float = float("nan")  # CPU seconds the server's processes spent meanwhile
    db_cpu: float = float("nan")  # CPU seconds of the PostgreSQL cluster meanwhile (if local)

    def percentile(self, p: float) -> float:
        """Return the p-th percentile latency in ms (nearest rank)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]

    def line(self) -> str:
        """One row of the results table."""
        done = len(self.latencies)
        bad = sum(self.errors.values())
        rps = done / self.seconds if self.seconds else 0.0
        offered = f"{self.offered:7.0f}" if self.offered else " closed"
        return (
            f"{self.name:<16}{offered} {rps:8.1f} {done:7d} {bad:6d} "
            f"{self.percentile(50):8.1f} {self.percentile(95):8.1f} "
            f"{self.percentile(99):8.1f} {max(self.latencies, default=float('nan')):8.1f} "
            f"{self.server_cpu * 1000 / max(1, done + bad):8.2f} "
            f"{self.db_cpu * 1000 / max(1, done + bad):7.2f}"
        )


HEADER = (
    f"{'scenario':<16}{'offered':>7} {'req/s':>8} {'ok':>7} {'errors':>6} "
    f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'cpu ms':>8} {'db ms':>7}"
)
# Why a CPU column: on a shared host wall-clock figures move with the neighbours' load;
# the server's own CPU time per request (all its processes, from /proc) is the steady one.
# `db ms`: the same for the PostgreSQL cluster (every backend), when it runs on this host.


def database_pid(engine: Engine) -> int | None:
    """Return the PostgreSQL postmaster's pid when its data directory is readable here."""
    if engine.dialect.name != "postgresql":
        return None
    try:
        with engine.connect() as conn:
            directory = conn.scalar(text("SELECT current_setting('data_directory')"))
        return int((Path(str(directory)) / "postmaster.pid").read_text().split()[0])
    except (DBAPIError, OSError, ValueError, IndexError):
        return None  # another host, or no right to read it: the column says nan


def tree_cpu(pid: int) -> float:
    """Return CPU seconds of a process and its descendants, live or exited (nan without /proc)."""
    try:
        tick = os.sysconf("SC_CLK_TCK")
        stats: dict[int, tuple[int, float]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError, ValueError, IndexError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                # utime + stime, plus cutime + cstime: the CPU of children that already
                # exited (PostgreSQL backends come and go; a restarted worker too).
                used = sum(int(f) for f in fields[11:15]) / tick
                stats[int(entry.name)] = (int(fields[1]), used)
    except OSError:
        return float("nan")
    wanted, total, frontier = {pid}, 0.0, [pid]
    while frontier:
        parent = frontier.pop()
        total += stats.get(parent, (0, 0.0))[1]
        for child, (ppid, _) in stats.items():
            if ppid == parent and child not in wanted:
                wanted.add(child)
                frontier.append(child)
    return total


Request = Callable[[httpx.AsyncClient], Any]


async def _timed(client: httpx.AsyncClient, make: Request, started: float, out: Result) -> None:
    try:
        response = await make(client)
        ok = 200 <= response.status_code < 300
        key = None if ok else str(response.status_code)
    except httpx.HTTPError as exc:
        key = type(exc).__name__
    if key is None:
        out.latencies.append((time.perf_counter() - started) * 1000)
    else:
        out.errors[key] = out.errors.get(key, 0) + 1


async def open_loop(
    base: str, name: str, requests: Callable[[], Request], rate: float, seconds: float, conns: int
) -> Result:
    """Start `rate` requests a second for `seconds`; latency counts from each scheduled start."""
    out = Result(name, offered=rate)
    limits = httpx.Limits(max_connections=conns, max_keepalive_connections=conns)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        tasks: list[asyncio.Task[None]] = []
        t0 = time.perf_counter()
        for i in itertools.count():
            due = t0 + i / rate
            if due - t0 >= seconds:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(_timed(client, requests(), due, out)))
        await asyncio.gather(*tasks)
        out.seconds = time.perf_counter() - t0
    return out


async def closed_loop(
    base: str, name: str, requests: Callable[[], Request], workers: int, seconds: float
) -> Result:
    """Run `workers` clients back to back for `seconds` (the throughput ceiling)."""
    out = Result(name)
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        t0 = time.perf_counter()

        async def worker() -> None:
            while time.perf_counter() - t0 < seconds:
                await _timed(client, requests(), time.perf_counter(), out)

        await asyncio.gather(*(worker() for _ in range(workers)))
        out.seconds = time.perf_counter() - t0
    return out


def server(
    url: str, data_dir: Path, port: int, log: Path, workers: int = 1
) -> subprocess.Popen[bytes]:
    """Start `waspada api` (with `--workers` when more than one) for the benchmark."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WASPADA_")}
    env.update(
        WASPADA_DATABASE_URL=url,
        WASPADA_DATA_DIR=str(data_dir),
        WASPADA_API_HOST="127.0.0.1",
        WASPADA_API_PORT=str(port),
        WASPADA_LOG_LEVEL="WARNING",
        # The benchmark measures the service, not the per-key limiter.
        WASPADA_API_RATE_LIMIT="1000000",
        WASPADA_API_RATE_BURST="1000000",
    )
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 (our own interpreter and fixed arguments)
            [sys.executable, "-m", "monitor", "api", "--workers", str(workers)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Wait until the server answers /healthz."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise fail(f"the API exited early:\n{log.read_text()[-2000:]}")
        try:
            httpx.get(f"{base}/healthz", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise fail("the API did not start within 120 s")


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def drain(base: str, limit: float = 60.0) -> None:
    """Wait until the server has worked off any backlog, so scenarios do not bleed together."""
    deadline = time.perf_counter() + limit
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            with contextlib.suppress(httpx.HTTPError):
                await client.get("/healthz")
            # Why 0.25 s: on a host loaded 8-15 deep an idle server's /healthz took over
            # 50 ms, and waiting for that cost minutes per scenario.
            if time.perf_counter() - t0 < 0.25:
                return
            await asyncio.sleep(0.5)
