"""Alembic environment: runs migrations on the connection or URL that `monitor.core.migrate` passes."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from monitor.core.db import make_engine
from monitor.tables import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        transaction_per_migration=True,
        # core.db makes SQLite DDL transactional too, so say so and get per-migration rollback.
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations on a given connection, or open one from the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run `waspada db upgrade`")
run_migrations_online()
