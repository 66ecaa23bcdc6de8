"""Run Alembic migrations from code (`waspada db upgrade`, `waspada up`, tests).

Alembic (and the Mako templates it pulls in) is imported inside the functions that run it:
`is_at_head`, which every model command checks first, answers with one SELECT and a scan of
the migration files, so a command on an up-to-date database never pays for the import.
"""

from __future__ import annotations

import ast
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

import migrations
from monitor.core.db import read_connection

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(migrations.__file__).parent


def alembic_config(url: str) -> Config:
    """Build the Alembic configuration for a database URL."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to `revision`; each migration runs in its own transaction."""
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.commit()
    log.info("database migrated", extra={"revision": current_revision(engine)})


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at (None when empty)."""
    from alembic.runtime.migration import MigrationContext

    with read_connection(engine) as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    """Return the newest revision shipped with this version of Waspada."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def shipped_heads() -> set[str]:
    """Return the revisions no shipped migration builds on, read from the files' assignments."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.AnnAssign | ast.Assign):
                targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
                names = {t.id for t in targets if isinstance(t, ast.Name)}
                if not names & {"revision", "down_revision"} or node.value is None:
                    continue  # module-level tables and helpers are not literals
                value = ast.literal_eval(node.value)
                if "revision" in names and isinstance(value, str):
                    revisions.add(value)
                if "down_revision" in names and value:
                    parents.update([value] if isinstance(value, str) else value)
    return revisions - parents


def is_at_head(engine: Engine) -> bool:
    """Tell cheaply whether the database is at the one shipped head (no Alembic import)."""
    with read_connection(engine) as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        stored = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    return stored == shipped_heads() and len(stored) == 1
