"""Every command on a fresh data directory migrates, or says in one line what to run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.core import migrate
from monitor.core.db import make_engine
from tests.conftest import _create_pg_db, _pg_admin_url


def _files(tmp_path: Path) -> dict[str, str]:
    sources = tmp_path / "sources.toml"
    sources.write_text('[[sources]]\nname = "a"\nkind = "rss"\nurl = "https://a.example/feed"\n')
    posts = tmp_path / "posts.jsonl"
    posts.write_text(json.dumps({"external_id": "1", "text": "Warga datang ke TPS pagi"}) + "\n")
    return {"SOURCES": str(sources), "POSTS": str(posts)}


COMMANDS = [
    ["sources", "sync", "SOURCES"],
    ["sources", "list"],
    ["ingest", "POSTS"],
    ["keys", "list"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_command_on_fresh_data_dir_creates_the_schema(args: list[str], tmp_path: Path) -> None:
    files = _files(tmp_path)
    env = {"WASPADA_DATA_DIR": str(tmp_path / "fresh"), "WASPADA_LOG_LEVEL": "warning"}
    res = CliRunner().invoke(app, [files.get(a, a) for a in args], env=env)
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "creating the schema" in res.stderr and "Traceback" not in res.stderr + res.stdout


def test_empty_postgresql_database_is_migrated_too(pg_cluster: object, tmp_path: Path) -> None:
    url = _create_pg_db(_pg_admin_url(pg_cluster), "waspada_fresh_cli")  # type: ignore[arg-type]
    files = _files(tmp_path)
    env = {
        "WASPADA_DATA_DIR": str(tmp_path / "fresh"),
        "WASPADA_DATABASE_URL": url,
        "WASPADA_LOG_LEVEL": "warning",
    }
    res = CliRunner().invoke(app, ["sources", "sync", files["SOURCES"]], env=env)
    assert res.exit_code == 0, res.stdout + res.stderr
    assert "1 added" in res.stdout


def test_older_schema_is_refused_in_one_line(fresh_db_url: str, tmp_path: Path) -> None:
    engine = make_engine(fresh_db_url)
    cfg = migrate.alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "5d1e0a7c9b21")
        conn.commit()
    engine.dispose()
    env = {
        "WASPADA_DATA_DIR": str(tmp_path / "d"),
        "WASPADA_DATABASE_URL": fresh_db_url,
        "WASPADA_LOG_LEVEL": "warning",
    }
    res = CliRunner().invoke(app, ["sources", "list"], env=env)
    assert res.exit_code == 2
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "run `waspada db upgrade`" in lines[0]
    assert "5d1e0a7c9b21" in lines[0]
