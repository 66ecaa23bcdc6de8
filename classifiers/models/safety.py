"""The refusal every model loader raises, and file digests (no heavy imports)."""

from __future__ import annotations

import hashlib
from pathlib import Path


class UnsafeModel(Exception):
    """The model file is missing, altered, or holds types Waspada does not trust."""


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
