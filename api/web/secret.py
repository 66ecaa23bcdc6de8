"""The key that signs web session cookies: from settings, or generated once in the data dir."""

from __future__ import annotations

import os
import secrets
import threading
import time
from pathlib import Path

from monitor.core.settings import Settings

SECRET_FILE = "session_secret"  # noqa: S105 (a file name, not a secret)
# Why: fewer bytes than this would make the HMAC on the cookie guessable offline.
MIN_SECRET_CHARS = 32

_lock = threading.Lock()
_cache: dict[Path, str] = {}


class SessionSecretError(RuntimeError):
    """The configured or stored session secret cannot be used."""


def session_secret(settings: Settings) -> str:
    """Return the signing secret: WASPADA_SESSION_SECRET, else <data dir>/session_secret."""
    if settings.session_secret is not None:
        value = settings.session_secret.get_secret_value()
        if len(value) < MIN_SECRET_CHARS:
            raise SessionSecretError(
                f"WASPADA_SESSION_SECRET must be at least {MIN_SECRET_CHARS} characters"
            )
        return value
    path = settings.data_dir / SECRET_FILE
    with _lock:
        if path not in _cache:
            _cache[path] = _load_or_create(path)
        return _cache[path]


def _load_or_create(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate = secrets.token_urlsafe(48)
    try:
        # O_EXCL: when two processes start together exactly one writes, the other reads it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        value = _read_when_written(path)
        if len(value) < MIN_SECRET_CHARS:
            raise SessionSecretError(
                f"{path} holds a secret shorter than {MIN_SECRET_CHARS} characters; "
                "delete it to generate a new one (existing web sessions end)"
            ) from None
        return value
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(candidate + "\n")
    return candidate


def _read_when_written(path: Path) -> str:
    # Why: another process may have created the file a moment ago and not written it yet.
    value = ""
    for _ in range(50):
        value = path.read_text(encoding="utf-8").strip()
        if value:
            break
        time.sleep(0.02)
    return value
