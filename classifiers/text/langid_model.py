"""py3langid's model kept as plain `.npy` arrays in a cache directory, memory-mapped on start.

Why: py3langid ships its model LZMA-compressed; decompressing it costs about half a second of
CPU in every process that meets a post CLD2 cannot place (most runs of `waspada classify`).
The arrays are written once, uncompressed, and later processes map them in milliseconds. They
are read with `numpy.load(allow_pickle=False)` and checked (names, dtypes, shapes, every
index in range) before use, so a damaged or foreign cache is rebuilt, never trusted.
Scores are the same numbers: the same arrays go into py3langid's own `LanguageIdentifier`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from array import array
from pathlib import Path
from typing import Any

import numpy as np

# Bump when the files' layout changes: an old cache directory is then simply not found.
LAYOUT = 1
_MEMBERS = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")
_TYPECODES = {2: "H", 4: "I", 8: "L"}


class LangidCacheError(ValueError):
    """The cached arrays are missing, damaged or not py3langid's model."""


def source_file() -> Path:
    """Return the model file py3langid ships."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE  # heavy-ish: only when a post needs it

    return Path(MODEL_DIR) / MODEL_FILE


def cache_path(cache_dir: Path, source: Path) -> Path:
    """Return the cache directory for this exact model file (keyed by its sha256)."""
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    return cache_dir / f"langid-{LAYOUT}-{digest}"


def _stdlib_array(values: np.ndarray) -> array[int]:
    # py3langid walks its automaton over stdlib arrays (faster per item than numpy scalars).
    out: array[int] = array(_TYPECODES[values.dtype.itemsize])
    out.frombytes(np.ascontiguousarray(values).data.cast("B"))
    return out


def _read(folder: Path) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    for name in _MEMBERS:
        try:
            arrays[name] = np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise LangidCacheError(f"{name}: {exc}") from None
    _check(arrays)
    return arrays


def _check(a: dict[str, np.ndarray]) -> None:
    ptc, pc, classes = a["ptc"], a["pc"], a["classes"]
    nextmove, row, out = a["nextmove"], a["nextmove_row"], a["out_feat"]
    if ptc.dtype != np.float16 or ptc.ndim != 2 or pc.dtype != np.float32 or pc.ndim != 1:
        raise LangidCacheError("class tables have the wrong type")
    if ptc.shape[1] != len(pc) or classes.dtype.kind != "U" or classes.shape != pc.shape:
        raise LangidCacheError("class tables disagree in size")
    if nextmove.dtype not in (np.uint16, np.uint32) or nextmove.ndim != 1:
        raise LangidCacheError("automaton has the wrong type")
    if row.dtype not in (np.uint16, np.uint32) or out.dtype != np.int32 or row.shape != out.shape:
        raise LangidCacheError("automaton states have the wrong type")
    n_states, n_rows = len(row), len(nextmove) // 256
    if not n_states or not n_rows or len(nextmove) % 256:
        raise LangidCacheError("automaton is empty or ragged")
    # Every index the automaton follows must land inside its tables.
    if int(nextmove.max()) >= n_states or int(row.max()) >= n_rows:
        raise LangidCacheError("automaton points outside its states")
    if int(out.min()) < -1 or int(out.max()) >= ptc.shape[0]:
        raise LangidCacheError("automaton points outside the feature table")


def _write(folder: Path) -> None:
    from py3langid.modelio import load_model  # the shipped, LZMA-compressed, pickle-free model

    ptc, pc, classes, nextmove, row, out = load_model(source_file())
    arrays: dict[str, np.ndarray] = {
        "ptc": np.asarray(ptc, dtype=np.float16),
        "pc": np.asarray(pc, dtype=np.float32),
        "classes": np.array(classes),
        "nextmove": np.frombuffer(nextmove, dtype=f"u{nextmove.itemsize}"),
        "nextmove_row": np.frombuffer(row, dtype=f"u{row.itemsize}"),
        "out_feat": np.asarray(out, dtype=np.int32),
    }
    _check(arrays)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".langid-", dir=folder.parent))
    try:
        for name, values in arrays.items():
            np.save(tmp / f"{name}.npy", values, allow_pickle=False)
        shutil.rmtree(folder, ignore_errors=True)
        os.replace(tmp, folder)  # atomic: a reader sees all files or none
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def identifier_arrays(cache_dir: Path) -> dict[str, np.ndarray]:
    """Return the model's checked arrays from the cache, writing the cache first if needed."""
    folder = cache_path(cache_dir, source_file())
    try:
        return _read(folder)
    except LangidCacheError:
        _write(folder)
        return _read(folder)


def cached_identifier(cache_dir: Path) -> Any:
    """Return py3langid's `LanguageIdentifier` (normalised probabilities) from the cache."""
    from py3langid.langid import LanguageIdentifier  # only when a post needs py3langid

    a = identifier_arrays(cache_dir)
    return LanguageIdentifier(
        np.asarray(a["ptc"]),
        np.asarray(a["pc"]),
        a["classes"].tolist(),
        _stdlib_array(a["nextmove"]),
        a["out_feat"].tolist(),
        norm_probs=True,
        tk_row=_stdlib_array(a["nextmove_row"]),
    )
