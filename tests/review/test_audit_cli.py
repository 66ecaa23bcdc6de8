"""`waspada audit verify` passes on an intact chain and names the first edited event."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from monitor.audit import service as audit
from monitor.audit.models import AuditEvent
from monitor.cli.main import app
from monitor.core.db import make_engine


def _waspada(args: list[str], db_url: str, data_dir: Path) -> tuple[int, str]:
    env = {"WASPADA_DATABASE_URL": db_url, "WASPADA_DATA_DIR": str(data_dir)}
    result = CliRunner().invoke(app, args, env=env)
    return result.exit_code, result.output


def test_audit_verify_passes_then_detects_an_edited_row(fresh_db_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    for name, role in (("ani", "reviewer"), ("budi", "liaison"), ("cici", "admin")):
        extra = ["--region", "15"] if role == "liaison" else []
        code, out = _waspada(
            ["keys", "create", "--name", name, "--role", role, *extra], fresh_db_url, data
        )
        assert code == 0, out
    code, out = _waspada(["keys", "revoke", "1"], fresh_db_url, data)
    assert code == 0, out

    code, out = _waspada(["audit", "verify"], fresh_db_url, data)
    assert code == 0, out
    assert "audit chain ok: 4 events verified" in out

    # Someone with database access rewrites who created the second key.
    engine = make_engine(fresh_db_url)
    with engine.begin() as conn:
        ids = conn.execute(text("SELECT id FROM audit_events ORDER BY id")).scalars().all()
        conn.execute(
            text("UPDATE audit_events SET actor = 'mallory' WHERE id = :id"), {"id": ids[1]}
        )
    code, out = _waspada(["audit", "verify"], fresh_db_url, data)
    assert code == 1
    assert f"audit chain broken at event {ids[1]}: content does not match its hash" in out

    # Recomputing the edited row's own hash hides nothing: the next event's link breaks.
    with Session(engine) as s:
        row = s.get_one(AuditEvent, ids[1])
        row.hash = audit.event_hash(
            at=row.at,
            actor=row.actor,
            action=row.action,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            before=row.before,
            after=row.after,
            prev_hash=row.prev_hash,
        )
        s.commit()
    code, out = _waspada(["audit", "verify"], fresh_db_url, data)
    assert code == 1
    # Issue 13: the MAC is keyed, so a recomputation without the audit key fails at once.
    assert f"broken at event {ids[1]}: content does not match its hash" in out
    engine.dispose()
