"""The audit key: HMACs the chain and signs checkpoints; kept outside the database.

From WASPADA_AUDIT_KEY, else `<data dir>/audit.key` (created 0600 on first use). Whoever can
write the database but not read this key cannot forge or recompute an event.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from pathlib import Path

from sqlalchemy.orm import Session

from monitor.core.settings import Settings, get_settings

KEY_FILE = "audit.key"
MIN_KEY_CHARS = 32

_lock = threading.Lock()
_by_path: dict[Path, bytes] = {}


class AuditKeyError(RuntimeError):
    """The configured or stored audit key cannot be used."""


def key_for(settings: Settings) -> bytes:
    """Return the audit key the settings name (never logged)."""
    if settings.audit_key is not None:
        value = settings.audit_key.get_secret_value()
        if len(value) < MIN_KEY_CHARS:
            raise AuditKeyError(f"WASPADA_AUDIT_KEY must be at least {MIN_KEY_CHARS} characters")
        return value.encode()
    path = settings.data_dir / KEY_FILE
    with _lock:
        if path not in _by_path:
            _by_path[path] = _load_or_create(path)
        return _by_path[path]


def current(session: Session | None = None) -> bytes:
    """Return the audit key of the runtime that opened `session` (else the process settings)."""
    settings = session.info.get("settings") if session is not None else None
    return key_for(settings if isinstance(settings, Settings) else get_settings())


def _load_or_create(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        # O_EXCL: when two processes start together exactly one writes, the other reads it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        value = ""
        for _ in range(50):  # another process may have created it a moment ago
            value = path.read_text(encoding="utf-8").strip()
            if value:
                break
            time.sleep(0.02)
        if len(value) < MIN_KEY_CHARS:
            raise AuditKeyError(
                f"{path} holds a key shorter than {MIN_KEY_CHARS} characters"
            ) from None
        return value.encode()
    value = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(value + "\n")
    return value.encode()
