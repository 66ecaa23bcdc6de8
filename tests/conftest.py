"""Test fixtures: one real SQLite file and one real PostgreSQL server, migrated once each.

Tests that take the `db` fixture run on both backends (ids `[sqlite]` and `[postgresql]`)
inside a transaction rolled back at the end. Tests that need committed data in a database
other processes can see take `fresh_db_url`, a new migrated database per test.
"""

from __future__ import annotations

import compileall
import logging
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session, sessionmaker

from monitor.core import migrate
from monitor.core.db import dispose_autocommit, make_engine
from monitor.core.runtime import Runtime
from monitor.core.settings import Settings, load_settings
from monitor.keys import hashing
from monitor.regions.service import load_regions
from tests.support.client import app_client
from tests.support.postgres import PgCluster, start_cluster

# The suite's own servers listen on 127.0.0.1, which the outbound policy refuses unless
# allow-listed: the tests allow it the way an operator would, through the documented setting
# (subprocesses inherit it). tests/security narrows it to prove every bypass is refused.
os.environ.setdefault("WASPADA_OUTBOUND_ALLOW", "127.0.0.1")
# One audit key for the test process, so events written through any runtime verify alike
# (without it each test's data dir would get its own generated key file).
os.environ.setdefault("WASPADA_AUDIT_KEY", "test-audit-key-0123456789abcdef-0123456789")
os.environ.setdefault("WASPADA_SECRETS_KEY", "test-secrets-key-0123456789abcdef")

# Why: scrypt at the production cost (n=2**14, ~45 ms) ran for every key the seeds create and
# every first check, about a sixth of the suite's CPU. In this process keys hash at n=2**10;
# a stored hash records its n, so every check is still a real scrypt comparison, and
# subprocesses (the CLI, servers) keep the production cost. test_key_hashing.py checks that cost.
PRODUCTION_SCRYPT_N = hashing._N
hashing._N = 2**10

BACKENDS = ["sqlite", "postgresql"]
# Under pytest-xdist each worker has its own server; the suffix also keeps names apart when
# every worker shares one server through WASPADA_TEST_POSTGRES_URL.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster | str]:
    """Start one PostgreSQL server for the session, or use WASPADA_TEST_POSTGRES_URL."""
    external = os.environ.get("WASPADA_TEST_POSTGRES_URL")
    if external:
        yield external
        return
    try:
        cluster = start_cluster()
    except RuntimeError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {exc}")
        pytest.skip(f"PostgreSQL not available: {exc}")
    yield cluster
    cluster.stop()


def _pg_admin_url(pg: PgCluster | str) -> str:
    return pg if isinstance(pg, str) else pg.url


def _create_pg_db(admin_url: str, name: str, template: str | None = None) -> str:
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        tpl = f' TEMPLATE "{template}"' if template else ""
        conn.execute(text(f'CREATE DATABASE "{name}"{tpl}'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def migrated_template(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], str]:
    """Per backend, a migrated database to copy from: (backend) -> URL."""
    cache: dict[str, str] = {}

    def get(backend: str) -> str:
        if backend not in cache:
            if backend == "sqlite":
                url = f"sqlite:///{tmp_path_factory.mktemp('sqlite-template') / 'template.db'}"
            else:
                pg = request.getfixturevalue("pg_cluster")
                url = _create_pg_db(_pg_admin_url(pg), f"waspada_template_{WORKER}")
            engine = make_engine(url)
            migrate.upgrade(engine)
            engine.dispose()
            cache[backend] = url
        return cache[backend]

    return get


@pytest.fixture(scope="session", params=BACKENDS)
def db_engine(
    request: pytest.FixtureRequest, migrated_template: Callable[[str], str]
) -> Iterator[Engine]:
    """A migrated engine per backend, shared by the session's rolled-back tests."""
    backend = request.param
    template = migrated_template(backend)
    if backend == "sqlite":
        path = Path(template.removeprefix("sqlite:///")).with_name("shared.db")
        shutil.copy(template.removeprefix("sqlite:///"), path)
        url = f"sqlite:///{path}"
    else:
        url = _create_pg_db(
            template.rsplit("/", 1)[0] + "/postgres",
            f"waspada_shared_{WORKER}",
            template=template.rsplit("/", 1)[1],
        )
    engine = make_engine(url)
    yield engine
    # The limiters' AUTOCOMMIT pool on this engine holds connections too; pytest rebuilds this
    # fixture when the backend order switches, and DROP DATABASE refuses while they are open.
    dispose_autocommit(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def regions_engine(
    migrated_template: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], Engine]]:
    """Per backend, a copy of the template with provinces and kabupaten/kota loaded once."""
    engines: dict[str, Engine] = {}

    def get(backend: str) -> Engine:
        if backend not in engines:
            template = migrated_template(backend)
            if backend == "sqlite":
                path = tmp_path_factory.mktemp("sqlite-regions") / "regions.db"
                shutil.copy(template.removeprefix("sqlite:///"), path)
                url = f"sqlite:///{path}"
            else:
                url = _create_pg_db(
                    template.rsplit("/", 1)[0] + "/postgres",
                    f"waspada_regions_{WORKER}",
                    template=template.rsplit("/", 1)[1],
                )
            engine = make_engine(url)
            with Session(engine) as s:
                assert load_regions(s, with_districts=False).inserted == 552
                s.commit()
            engines[backend] = engine
        return engines[backend]

    yield get
    for engine in engines.values():
        engine.dispose()


@pytest.fixture
def db_connection(
    request: pytest.FixtureRequest,
    db_engine: Engine,
    regions_engine: Callable[[str], Engine],
) -> Iterator[Connection]:
    """A connection with an outer transaction that is rolled back after the test.

    Tests marked `regions` start from a database where the 552 regions are already loaded
    (one load per session instead of one per test; `load_regions` then finds nothing to add).
    """
    if request.node.get_closest_marker("regions"):
        db_engine = regions_engine(db_engine.dialect.name)
    conn = db_engine.connect()
    trans = conn.begin()
    try:
        yield conn
    finally:
        trans.rollback()
        conn.close()


@pytest.fixture
def db_factory(db_connection: Connection) -> sessionmaker[Session]:
    """A session factory whose commits only release savepoints inside the test transaction."""
    return sessionmaker(
        bind=db_connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )


@pytest.fixture
def db(db_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in the test's rolled-back transaction."""
    session = db_factory()
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at a fresh data directory."""
    return load_settings(data_dir=tmp_path / "data")


@pytest.fixture
def rt(
    settings: Settings, db_connection: Connection, db_factory: sessionmaker[Session]
) -> Iterator[Runtime]:
    """A runtime whose sessions live inside the test's rolled-back transaction."""
    runtime = Runtime(settings=settings, engine=db_connection.engine, factory=db_factory)
    yield runtime
    if db_connection.engine.dialect.name == "postgresql":
        # The shared limiters commit their buckets outside the test's transaction (on
        # purpose: they outlive a refused request); start the next test with none.
        with runtime.autocommit().connect() as conn:
            conn.execute(text("DELETE FROM api_rate_buckets"))


@pytest.fixture
def client(request: pytest.FixtureRequest, rt: Runtime) -> TestClient:
    """The app in-process on `rt`; `@pytest.mark.client(unlimited=True, ...)` sets options."""
    marker = request.node.get_closest_marker("client")
    return app_client(rt, **(marker.kwargs if marker else {}))


@pytest.fixture(params=BACKENDS)
def fresh_db_url(
    request: pytest.FixtureRequest, migrated_template: Callable[[str], str], tmp_path: Path
) -> Iterator[str]:
    """A new, migrated, committed database per test (for subprocesses and servers)."""
    backend = request.param
    template = migrated_template(backend)
    if backend == "sqlite":
        path = tmp_path / "fresh.db"
        shutil.copy(template.removeprefix("sqlite:///"), path)
        yield f"sqlite:///{path}"
        return
    name = f"fresh_{uuid.uuid4().hex[:10]}"
    admin = template.rsplit("/", 1)[0] + "/postgres"
    url = _create_pg_db(admin, name, template=template.rsplit("/", 1)[1])
    yield url
    engine = make_engine(admin, isolation_level="AUTOCOMMIT", pool_size=1)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def shared_data() -> Path:
    """The public datasets beside the repository; skip clearly when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"public datasets not found at {SHARED_DATA}")
    return SHARED_DATA


ROOT = Path(__file__).resolve().parents[1]
COMPILED = ["monitor", "classifiers", "api", "migrations", "tests/support"]


def pytest_configure(config) -> None:  # type: ignore[no-untyped-def]
    """Compile the project's modules once, in the controller, before any worker starts.

    Why: with PYTHONDONTWRITEBYTECODE set (as on the development machine) no process writes
    .pyc files, so every xdist worker and every `python -m monitor` the suite starts compiled
    the same sources again, about 0.2 CPU-s a start. compileall writes them anyway; it only
    rewrites files whose source changed.
    """
    if hasattr(config, "workerinput"):
        return
    for folder in COMPILED:
        compileall.compile_dir(ROOT / folder, quiet=2, workers=1)
    _rewrite_tests_once(config)


def _rewrite_tests_once(config) -> None:  # type: ignore[no-untyped-def]
    """Write pytest's rewritten-assert cache for every test module, in the controller.

    Why: each xdist worker otherwise rewrites all test modules itself (about 4 CPU-s a worker
    in a fresh clone, and on every run where bytecode writing is off). The workers then read
    these files, as they would their own. pytest's private helpers: on any change in them
    this step is skipped and the workers rewrite as before.
    """
    try:
        from _pytest.assertion import rewrite

        state = config.stash.get(rewrite.assertstate_key, None)
        if state is None:  # --assert=plain
            return
        for path in sorted((ROOT / "tests").rglob("*.py")):
            if not (path.name.startswith("test_") or path.name == "conftest.py"):
                continue
            pyc = rewrite.get_cache_dir(path) / (path.name[:-3] + rewrite.PYC_TAIL)
            if rewrite._read_pyc(path, pyc) is not None or not rewrite.try_makedirs(pyc.parent):
                continue
            try:
                source_stat, code = rewrite._rewrite_test(path, config)
            except SyntaxError:  # the worker's collection reports it, as it would anyway
                continue
            rewrite._write_pyc(state, code, source_stat, pyc)
    except (AttributeError, ImportError, TypeError):
        return


def pytest_collection_modifyitems(config, items) -> None:  # type: ignore[no-untyped-def]
    """Tag each test with its database backend (a user property reaches the xdist controller)."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        backend = params.get("db_engine") or params.get("fresh_db_url")
        if backend in BACKENDS:
            item.user_properties.append(("db_backend", backend))


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    """Say how many tests ran on each database backend."""
    counts = {b: {"passed": 0, "failed": 0, "skipped": 0} for b in BACKENDS}
    for outcome in ("passed", "failed", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            backend = dict(getattr(report, "user_properties", ())).get("db_backend")
            if backend is None or (outcome != "skipped" and report.when != "call"):
                continue
            counts[backend][outcome] += 1
    for backend, c in counts.items():
        terminalreporter.write_line(
            f"database backend {backend}: {c['passed']} passed, {c['failed']} failed, "
            f"{c['skipped']} skipped"
        )


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """The CLI installs a handler on CliRunner's stream; put the root logger back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
