"""Secrets stored in the database (webhook signing keys) encrypted with a key from settings.

The key comes from WASPADA_SECRETS_KEY, else `<data dir>/secrets.key` (created 0600). A copy
of the database alone no longer reveals the secrets receivers use to trust our webhooks.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator

from monitor.core.settings import Settings, get_settings

PREFIX = "enc:v1:"
KEY_FILE = "secrets.key"

_lock = threading.Lock()
_boxes: dict[str, Fernet] = {}


class SecretBoxError(RuntimeError):
    """A stored secret cannot be decrypted with the configured key."""


def _fernet(material: bytes) -> Fernet:
    # Any configured string works: it is stretched to a Fernet key (32 bytes, base64).
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(material).digest()))


def box_for(settings: Settings) -> Fernet:
    """Return the cipher for the settings' key (never logged)."""
    if settings.secrets_key is not None:
        material = settings.secrets_key.get_secret_value().encode()
        source = "env"
    else:
        path = settings.data_dir / KEY_FILE
        material = _load_or_create(path)
        source = str(path)
    with _lock:
        cache_key = source + hashlib.sha256(material).hexdigest()
        if cache_key not in _boxes:
            _boxes[cache_key] = _fernet(material)
        return _boxes[cache_key]


def _load_or_create(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    value = Fernet.generate_key()
    with os.fdopen(fd, "wb") as out:
        out.write(value + b"\n")
    return value


def encrypt(plain: str, settings: Settings | None = None) -> str:
    """Encrypt a secret for storage."""
    token = box_for(settings or get_settings()).encrypt(plain.encode()).decode()
    return PREFIX + token


def decrypt(stored: str, settings: Settings | None = None) -> str:
    """Decrypt a stored secret; values written before encryption are returned as they are."""
    if not stored.startswith(PREFIX):
        return stored
    try:
        return box_for(settings or get_settings()).decrypt(stored[len(PREFIX) :]).decode()
    except InvalidToken:
        raise SecretBoxError(
            "a stored secret cannot be decrypted: WASPADA_SECRETS_KEY or secrets.key changed"
        ) from None


class EncryptedText(TypeDecorator[str]):
    """A text column stored encrypted (see module docstring)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        """Encrypt on the way in."""
        if value is None or str(value).startswith(PREFIX):
            return value if value is None else str(value)
        return encrypt(str(value))

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        """Decrypt on the way out."""
        return None if value is None else decrypt(str(value))
