"""Recording a key's last use never fails the request, even when SQLite refuses the write."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.core import migrate
from monitor.core.db import make_engine
from monitor.keys import service as keys
from monitor.keys.models import ApiKey
from monitor.regions.models import Region


def test_stale_snapshot_on_sqlite_skips_the_timestamp_not_the_request(tmp_path: Path) -> None:
    # Transactions begin IMMEDIATE by default (a second writer waits); a pure reader that
    # opted into DEFERRED can still meet a stale snapshot, and must not fail the request.
    base = make_engine(f"sqlite:///{tmp_path / 'touch.db'}")
    engine = base.execution_options(sqlite_begin="DEFERRED")
    migrate.upgrade(engine)
    with Session(engine) as s:
        key, plain = keys.create_key(s, "busy", "reviewer")
        s.commit()
        key_id = key.id
    with Session(engine) as request:
        # The request's read transaction takes its snapshot ...
        assert request.scalar(select(ApiKey.name).where(ApiKey.id == key_id)) == "busy"
        # ... another request commits a write meanwhile, so SQLite cannot upgrade this one.
        with Session(engine) as other:
            other.add(Region(code="99", name="Elsewhere", level="province"))
            other.commit()
        principal = keys.verify_key(request, plain)
        assert principal is not None and principal.role == "reviewer"
        # The request goes on reading and ends normally.
        assert request.scalar(select(ApiKey.last_used_at).where(ApiKey.id == key_id)) is None
        request.commit()
    with Session(engine) as later:
        assert keys.verify_key(later, plain) is not None
        later.commit()
        assert later.scalar(select(ApiKey.last_used_at).where(ApiKey.id == key_id)) is not None
    base.dispose()
