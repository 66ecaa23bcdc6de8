"""Issue 13, finding 4: the audit trail cannot be rewritten without the key kept outside the DB.

`waspada audit verify` passed after deleting the last events, deleting all events, or editing
an event and recomputing the hashes. Now each is detected (against a signed checkpoint for
deletions), and thresholds edited in the database stop the model loading, loudly.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from classifiers.models.train import TrainedModel
from monitor.audit import checkpoints, keyring
from monitor.audit import service as audit
from monitor.cli.main import app
from monitor.core.db import make_engine
from monitor.core.runtime import Runtime
from monitor.core.settings import load_settings
from monitor.modelversions import seal
from monitor.modelversions import service as models
from monitor.modelversions.loading import ModelRefused, load_promoted
from monitor.research.promote import promote
from monitor.scheduler import repository as heartbeats
from tests.classifiers.conftest import small_model
from tests.support.client import app_client

__all__ = ["small_model"]  # the session fixture, shared with tests/classifiers


def _waspada(args: list[str], db_url: str, data_dir: Path) -> tuple[int, str]:
    # No WASPADA_AUDIT_KEY: the key is generated in the data dir, as in a real install.
    env = {
        "WASPADA_DATABASE_URL": db_url,
        "WASPADA_DATA_DIR": str(data_dir),
        "WASPADA_AUDIT_KEY": None,
    }
    result = CliRunner().invoke(app, args, env=env)  # type: ignore[arg-type]
    return result.exit_code, result.output


def _events(db_url: str, data: Path, n: int) -> None:
    for i in range(n):
        code, out = _waspada(
            ["keys", "create", "--name", f"k{i}", "--role", "reviewer"], db_url, data
        )
        assert code == 0, out


def _ids(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT id FROM audit_events ORDER BY id")).scalars())


def _recompute_everything(engine: Engine, key: bytes | None) -> None:
    """What an attacker with database access does: rewrite each MAC and link in order."""
    with Session(engine) as s:
        prev = audit.GENESIS
        for row in s.query(audit.AuditEvent).order_by(audit.AuditEvent.id):
            row.prev_hash = prev
            row.hash = audit.event_hash(
                at=row.at,
                actor=row.actor,
                action=row.action,
                entity_type=row.entity_type,
                entity_id=row.entity_id,
                before=row.before,
                after=row.after,
                prev_hash=prev,
                key=key,
            )
            if key is None:
                row.mac_version = audit.LEGACY  # claim the events predate keyed MACs
            prev = row.hash
        s.commit()


def test_the_key_lives_outside_the_database_0600(fresh_db_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    _events(fresh_db_url, data, 1)
    key_file = data / keyring.KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    code, out = _waspada(["audit", "checkpoint"], fresh_db_url, data)
    assert code == 0, out
    cp_file = data / checkpoints.FILE_NAME
    assert stat.S_IMODE(cp_file.stat().st_mode) == 0o600
    assert key_file.read_text().strip() not in cp_file.read_text() + out


def test_edit_and_recompute_is_detected(fresh_db_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    _events(fresh_db_url, data, 3)
    engine = make_engine(fresh_db_url)
    second = _ids(engine)[1]  # read first: on SQLite the write transaction below holds the lock
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE id = :i"), {"i": second})
    # With a guessed key, and as legacy sha256 events: neither passes.
    _recompute_everything(engine, b"guessed-key-0123456789abcdef0123456789")
    code, out = _waspada(["audit", "verify"], fresh_db_url, data)
    assert code == 1 and "content does not match its hash" in out, out
    _waspada(["audit", "checkpoint"], fresh_db_url, data)  # taken after the forgery ...
    _recompute_everything(engine, None)
    code, out = _waspada(["audit", "verify"], fresh_db_url, data)
    assert code == 1, out  # ... and still the chain no longer passes through it
    engine.dispose()


@pytest.mark.parametrize("deleted", ["last", "last_two", "all"])
def test_deleting_events_is_detected_against_the_checkpoint(
    fresh_db_url: str, tmp_path: Path, deleted: str
) -> None:
    data = tmp_path / "data"
    _events(fresh_db_url, data, 4)
    code, out = _waspada(["audit", "checkpoint"], fresh_db_url, data)
    assert code == 0 and "4 events" in out, out
    code, out = _waspada(["audit", "verify"], fresh_db_url, data)
    assert code == 0 and "matches the checkpoint" in out, out
    engine = make_engine(fresh_db_url)
    ids = _ids(engine)
    gone = {"last": ids[-1:], "last_two": ids[-2:], "all": ids}[deleted]
    with engine.begin() as conn:
        for i in gone:
            conn.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": i})
    engine.dispose()
    code, out = _waspada(["audit", "verify"], fresh_db_url, data)
    assert code == 1 and "events were deleted" in out, out


def test_a_forged_checkpoint_is_refused(fresh_db_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    _events(fresh_db_url, data, 2)
    _waspada(["audit", "checkpoint"], fresh_db_url, data)
    cp_file = data / checkpoints.FILE_NAME
    line = json.loads(cp_file.read_text())
    line["count"] = 1  # hide a deletion by lowering the count (no key to re-sign)
    line["signature"] = hmac.new(b"wrong", b"x", hashlib.sha256).hexdigest()
    cp_file.write_text(json.dumps(line) + "\n")
    code, out = _waspada(["audit", "verify"], fresh_db_url, data)
    assert code == 1 and "signature does not match" in out, out


def test_decisions_promotions_and_thresholds_are_audited_and_edits_refused(
    rt: Runtime, small_model: TrainedModel, tmp_path: Path
) -> None:
    with rt.session() as s:
        row = models.register(s, tmp_path, small_model, version="v-audit")
        promote(s, tmp_path, row.version, None, actor="ops")
        models.set_thresholds(s, row.version, {"hoax": 0.7}, actor="ops")
        actions = [e.action for e in audit.events_for(s, "model", row.version)]
        assert actions == ["model.register", "model.promote", "model.thresholds"]
        with pytest.raises(ValueError, match="outside"):
            models.set_thresholds(s, row.version, {"hoax": 1.01}, actor="ops")
        assert load_promoted(s, rt.settings) is not None
    client = app_client(rt)
    with rt.session() as s:
        heartbeats.beat(s, "scheduler")
    assert client.get("/readyz").json()["checks"]["model"]["ok"] is True
    # Someone with database access switches flagging off: thresholds 1.01 in the card.
    with rt.session() as s:
        row = models.repository.get(s, "v-audit")
        assert row is not None
        row.card = {**row.card, "thresholds": {k: 1.01 for k in row.card["thresholds"]}}
    with rt.session() as s, pytest.raises(ModelRefused, match="outside"):
        load_promoted(s, rt.settings)
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert "cannot load or score" in ready.json()["checks"]["model"]["error"]
    # An in-range edit is caught by comparison with the audited thresholds.
    with rt.session() as s:
        row = models.repository.get(s, "v-audit")
        assert row is not None
        row.card = {**row.card, "thresholds": {k: 0.99 for k in row.card["thresholds"]}}
    with rt.session() as s, pytest.raises(ModelRefused, match="differ from the audited"):
        load_promoted(s, rt.settings)


def test_settings_reject_a_short_audit_key(tmp_path: Path) -> None:
    with pytest.raises(keyring.AuditKeyError):
        keyring.key_for(load_settings(data_dir=tmp_path, audit_key="short"))


def test_scoring_file_digest_is_sealed_and_checked(
    rt: Runtime, small_model: TrainedModel, tmp_path: Path
) -> None:
    with rt.session() as s:
        row = models.register(s, tmp_path, small_model, version="v-scoring")
        scoring = row.card["scoring"]
        assert Path(row.path).with_name(scoring["file"]).is_file()
        assert seal.audit_mismatch(s, row) is None
        # A card edited to point at another scoring digest no longer matches the audit.
        row.card = {**row.card, "scoring": {**scoring, "sha256": "0" * 64}}
        assert "scoring file digest differs" in (seal.audit_mismatch(s, row) or "")
