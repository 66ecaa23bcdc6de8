"""Shared CLI plumbing with the whole ORM schema registered (see `monitor.cli.plumbing`)."""

# Every command loads only its own module (monitor/cli/main.py), so the whole schema is
# registered here: a table's foreign keys name tables of other domains (factchecks.source_id
# -> sources), which SQLAlchemy must know before the first flush.
import monitor.tables  # noqa: F401
from monitor.cli.plumbing import echo_err, ensure_schema, fail, runtime, settings_or_exit

__all__ = ["echo_err", "ensure_schema", "fail", "runtime", "settings_or_exit"]
