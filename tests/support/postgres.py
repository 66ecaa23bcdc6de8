"""Start a throwaway PostgreSQL cluster for the test session (as an unprivileged user)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def _bindir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgCluster:
    """A running PostgreSQL server we own and stop at the end."""

    datadir: Path
    port: int
    bindir: Path
    user: str | None

    @property
    def url(self) -> str:
        """Return the SQLAlchemy URL of the `postgres` database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)

    def stop(self) -> None:
        """Stop the server and delete its files."""
        self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "stop")
        shutil.rmtree(self.datadir.parent, ignore_errors=True)


def start_cluster() -> PgCluster:
    """Init and start a cluster on a free port; raise RuntimeError with the reason if impossible."""
    bindir = _bindir()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    user = None
    if os.geteuid() == 0:
        # initdb refuses to run as root; Debian's package creates the `postgres` user.
        try:
            pwd.getpwnam("postgres")
        except KeyError as exc:
            raise RuntimeError("running as root and no `postgres` user exists") from exc
        user = "postgres"
    base = Path(tempfile.mkdtemp(prefix="waspada-pg-"))
    os.chmod(base, 0o755)
    datadir = base / "data"
    sockdir = base / "sock"
    sockdir.mkdir()
    if user:
        shutil.chown(base, user)
        shutil.chown(sockdir, user)
    cluster = PgCluster(datadir=datadir, port=_free_port(), bindir=bindir, user=user)
    res = cluster._run(
        "initdb",
        "-D",
        str(datadir),
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
        "--no-sync",
    )
    if res.returncode != 0:
        raise RuntimeError(f"initdb failed: {res.stderr.strip()}")
    opts = (
        f"-p {cluster.port} -k {sockdir} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    res = cluster._run(
        "pg_ctl", "-D", str(datadir), "-o", opts, "-l", str(base / "log"), "-w", "-t", "60", "start"
    )
    if res.returncode != 0:
        log = (base / "log").read_text(errors="replace") if (base / "log").exists() else ""
        raise RuntimeError(f"pg_ctl start failed: {res.stderr.strip()} {log[-2000:]}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", cluster.port)) == 0:
                return cluster
        time.sleep(0.2)
    cluster.stop()
    raise RuntimeError("PostgreSQL did not start listening within 30s")
