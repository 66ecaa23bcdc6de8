"""Signed audit checkpoints (count and head MAC), exported outside the database.

A checkpoint says "at time T the chain held N events ending in event I with MAC H", signed
with the audit key. Deleting the newest events, or all of them, leaves a chain that no longer
reaches the latest checkpoint, which `waspada audit verify` reports.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from monitor.core.settings import Settings

FILE_NAME = "audit-checkpoints.jsonl"


class CheckpointError(ValueError):
    """The checkpoint file is unreadable or a checkpoint's signature is wrong."""


@dataclass(frozen=True)
class Checkpoint:
    """The chain's length and head at one moment, with an HMAC over those fields."""

    at: str
    count: int
    head_id: int | None
    head_hash: str | None
    signature: str = ""

    def body(self) -> bytes:
        """Return the signed bytes: canonical JSON of every field but the signature."""
        fields = {k: v for k, v in asdict(self).items() if k != "signature"}
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def signed(self, key: bytes) -> Checkpoint:
        """Return this checkpoint with its signature."""
        sig = hmac.new(key, self.body(), hashlib.sha256).hexdigest()
        return Checkpoint(self.at, self.count, self.head_id, self.head_hash, sig)

    def valid(self, key: bytes) -> bool:
        """Tell whether the signature matches (constant time)."""
        return hmac.compare_digest(self.signed(key).signature, self.signature)


def path_for(settings: Settings) -> Path:
    """Return where checkpoints are appended."""
    return settings.audit_checkpoint_file or settings.data_dir / FILE_NAME


def append(path: Path, checkpoint: Checkpoint) -> None:
    """Append one checkpoint as a JSON line (file created 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as out:
        out.write(json.dumps(asdict(checkpoint), sort_keys=True) + "\n")


def _parse(line: str) -> Checkpoint:
    data: Any = json.loads(line)
    if not isinstance(data, dict):
        raise ValueError("not an object")
    return Checkpoint(
        at=str(data["at"]),
        count=int(data["count"]),
        head_id=None if data["head_id"] is None else int(data["head_id"]),
        head_hash=None if data["head_hash"] is None else str(data["head_hash"]),
        signature=str(data["signature"]),
    )


def latest(path: Path, key: bytes) -> Checkpoint | None:
    """Return the newest checkpoint in the file (None when there is none yet).

    Raises CheckpointError when a line is malformed or its signature is wrong: a forged
    checkpoint is as serious as a forged event.
    """
    if not path.exists():
        return None
    newest: Checkpoint | None = None
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            cp = _parse(line)
        except (ValueError, KeyError, TypeError) as exc:
            raise CheckpointError(f"{path}:{n}: malformed checkpoint ({exc})") from None
        if not cp.valid(key):
            raise CheckpointError(f"{path}:{n}: checkpoint signature does not match")
        if newest is not None and cp.count < newest.count:
            raise CheckpointError(f"{path}:{n}: checkpoint counts go backwards")
        newest = cp
    return newest
