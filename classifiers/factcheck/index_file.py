"""The fact-check index on disk: built when the debunks change, read at start in milliseconds.

Building the index normalises and hashes every title and claim (about 1.8 s of CPU for 5,000
debunks); `waspada classify` would pay that at every start. The file holds the normalised
rows and their hashed feature columns as plain numeric arrays plus one JSON member, read with
`numpy.load(allow_pickle=False)`, and what the first query derives from them (word ids and
counts, the flat word arrays, the transposes: about 0.1 s of CPU for 5,000 debunks).
It is a cache: a file that does not match the debunk set (`digest`), the matching code
(`code_fingerprint`) or its own checksum is refused with one `IndexFileError` line, and the
caller rebuilds it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from classifiers.factcheck import hashing, verdicts
from classifiers.factcheck import index as index_module
from classifiers.factcheck import text as text_module
from classifiers.factcheck.index import (
    N_CHANNELS,
    N_FEATURES,
    FactCheckEntry,
    FactCheckIndex,
    Warmed,
)
from classifiers.text import curated, fingerprints, invisible, ngrams, normal_form

FORMAT = "waspada-factcheck-index/3"
_ARRAYS = {
    f"{kind}{c}": dtype
    for c in range(N_CHANNELS)
    for kind, dtype in (("indptr", np.int64), ("indices", np.int32))
} | {
    "owners": np.int64,
    # What `FactCheckIndex.warm` derives (see `index.Warmed`).
    "word_df": np.int64,
    "row_lengths": np.int64,
    "flat_ptr": np.int64,
    "flat_ids": np.int64,
    **{f"transposed{c}": np.int32 for c in range(N_CHANNELS)},
    # Each row word's hashed char n-grams (`hashing.char_ids`), for the hashing cache.
    "char_ptr": np.int64,
    "char_ids": np.int32,
}
_MEMBERS = {*(f"{name}.npy" for name in _ARRAYS), "meta.npy"}
_ENTRY_FIELDS = ("key", "title", "url", "claim", "pk", "publisher", "verdict")
# The code that turns a debunk into index rows: a change to any of it makes old files stale.
_MATCH_CODE = (
    normal_form,
    curated,
    fingerprints,
    invisible,
    ngrams,
    hashing,
    text_module,
    verdicts,
)


class IndexFileError(ValueError):
    """The saved index cannot be used (stale, foreign, damaged); rebuild it."""


def entry_values(entry: FactCheckEntry) -> list[Any]:
    """Return a debunk's fields in the fixed order the digest and the file use."""
    return [getattr(entry, name) for name in _ENTRY_FIELDS]


def digest(entries: Iterable[FactCheckEntry]) -> str:
    """Return the sha256 of a debunk set (every field of every entry, in the given order)."""
    h = hashlib.sha256()
    for entry in entries:
        h.update(
            json.dumps(entry_values(entry), ensure_ascii=False).encode("utf-8", "surrogatepass")
        )
        h.update(b"\n")
    return h.hexdigest()


def code_fingerprint() -> str:
    """Return the sha256 of the matching code's sources (normaliser, slang, verdict tags)."""
    h = hashlib.sha256(FORMAT.encode())
    for module in (*_MATCH_CODE, index_module):
        h.update(Path(str(module.__file__)).read_bytes())
    return h.hexdigest()


def save_index(index: FactCheckIndex, path: Path, debunks_digest: str) -> None:
    """Write the index atomically (a reader never sees half a file)."""
    channels = index.channel_rows()
    warmed = index.warmed()
    arrays: dict[str, np.ndarray] = {
        "owners": np.asarray(index.row_entry, dtype=np.int64),
        "word_df": warmed.word_df,
        "row_lengths": warmed.row_lengths,
        "flat_ptr": warmed.flat_ptr,
        "flat_ids": warmed.flat_ids,
    }
    arrays["char_ptr"], arrays["char_ids"] = hashing.char_ids(warmed.words)
    for c, mat in enumerate(channels):
        arrays[f"indptr{c}"] = mat.indptr.astype(np.int64)
        arrays[f"indices{c}"] = mat.indices.astype(np.int32)
        arrays[f"transposed{c}"] = warmed.transposed[c]
    meta = {
        "format": FORMAT,
        "code": code_fingerprint(),
        "digest": debunks_digest,
        "entries": [entry_values(e) for e in index.entries],
        "rows": index.row_texts,
        "words": warmed.words,
    }
    arrays["meta"] = np.frombuffer(
        json.dumps(meta, ensure_ascii=False).encode("utf-8", "surrogatepass"), dtype=np.uint8
    )
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    payload = buffer.getvalue()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            # The checksum trails the archive so a flipped byte anywhere is caught at load.
            fh.write(hashlib.sha256(payload).hexdigest().encode("ascii"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _entry(values: Any) -> FactCheckEntry:
    if not isinstance(values, list) or len(values) != len(_ENTRY_FIELDS):
        raise IndexFileError("index file: malformed entry")
    fields = dict(zip(_ENTRY_FIELDS, values, strict=True))
    if not isinstance(fields["key"], str) or not isinstance(fields["title"], str):
        raise IndexFileError("index file: entry key and title must be strings")
    for name in ("url", "claim", "publisher", "verdict"):
        if fields[name] is not None and not isinstance(fields[name], str):
            raise IndexFileError(f"index file: entry {name} must be a string or null")
    pk = fields["pk"]
    if pk is not None and (not isinstance(pk, int) or isinstance(pk, bool)):
        raise IndexFileError("index file: entry pk must be an integer or null")
    return FactCheckEntry(**fields)


def _read(path: Path) -> dict[str, np.ndarray]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise IndexFileError(f"index file {path.name}: cannot read ({exc.strerror})") from None
    payload, checksum = raw[:-64], raw[-64:]
    if len(raw) < 64 or hashlib.sha256(payload).hexdigest().encode("ascii") != checksum:
        raise IndexFileError(f"index file {path.name}: checksum does not match (damaged)")
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            names = set(archive.namelist())
        if names != _MEMBERS:
            raise IndexFileError(f"index file {path.name}: unexpected members")
        with np.load(io.BytesIO(payload), allow_pickle=False) as npz:
            return {name: npz[name] for name in npz.files}
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        if isinstance(exc, IndexFileError):
            raise
        raise IndexFileError(f"index file {path.name}: not a readable archive ({exc})") from None


def _channel(arrays: dict[str, np.ndarray], c: int, n_rows: int) -> sp.csr_matrix:
    indptr, indices = arrays[f"indptr{c}"], arrays[f"indices{c}"]
    if (
        indptr.ndim != 1
        or indices.ndim != 1
        or len(indptr) != n_rows + 1
        or indptr[0] != 0
        or indptr[-1] != len(indices)
        or np.any(np.diff(indptr) < 0)
        or (len(indices) and (indices.min() < 0 or indices.max() >= N_FEATURES))
    ):
        raise IndexFileError(f"index file: channel {c} arrays are inconsistent")
    data = np.ones(len(indices), dtype=np.float32)
    return sp.csr_matrix((data, indices, indptr), shape=(n_rows, N_FEATURES))


def load_index(path: Path, debunks_digest: str) -> FactCheckIndex:
    """Return the saved index when it was built from exactly this debunk set by this code."""
    arrays = _read(path)
    for name, dtype in _ARRAYS.items():
        if arrays[name].dtype != dtype:
            raise IndexFileError(f"index file: {name} has dtype {arrays[name].dtype}")
    try:
        meta = json.loads(arrays["meta"].tobytes().decode("utf-8", "surrogatepass"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise IndexFileError("index file: metadata is not JSON") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise IndexFileError(f"index file: not format {FORMAT}")
    if meta.get("code") != code_fingerprint():
        raise IndexFileError("index file: built by another version of the matching code (stale)")
    if meta.get("digest") != debunks_digest:
        raise IndexFileError("index file: the debunks changed since it was built (stale)")
    rows, raw_entries = meta.get("rows"), meta.get("entries")
    if not isinstance(rows, list) or not all(isinstance(r, str) for r in rows):
        raise IndexFileError("index file: rows must be a list of strings")
    if not isinstance(raw_entries, list):
        raise IndexFileError("index file: entries must be a list")
    entries = [_entry(v) for v in raw_entries]
    owners = arrays["owners"]
    if owners.ndim != 1 or len(owners) != len(rows):
        raise IndexFileError("index file: one owner per row expected")
    if len(owners) and (owners.min() < 0 or owners.max() >= len(entries)):
        raise IndexFileError("index file: a row's owner is not an entry")
    channels = [_channel(arrays, c, len(rows)) for c in range(N_CHANNELS)]
    warmed = _warmed(arrays, meta.get("words"), channels)
    ptr, ids = arrays["char_ptr"], arrays["char_ids"]
    if (
        ptr.ndim != 1
        or ids.ndim != 1
        or len(ptr) != len(warmed.words) + 1
        or ptr[0] != 0
        or ptr[-1] != len(ids)
        or np.any(np.diff(ptr) < 0)
        or (len(ids) and (ids.min() < 0 or ids.max() >= N_FEATURES))
    ):
        raise IndexFileError("index file: char n-gram arrays are inconsistent")
    index = FactCheckIndex()
    index.restore(entries, rows, owners, channels, warmed)
    # Why: posts share their commonest words with the debunks; each classify worker would
    # hash them again (the file was written by this code: `code_fingerprint`).
    hashing.seed_char_ids(warmed.words, ptr, ids)
    return index


def _warmed(arrays: dict[str, np.ndarray], words: Any, channels: Sequence[sp.csr_matrix]) -> Warmed:
    # Bounds and shapes only (every index used later is checked): a file that passes its
    # checksum, format, code and digest checks was written by `save_index` from these rows.
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise IndexFileError("index file: words must be a list of strings")
    if len(set(words)) != len(words):
        raise IndexFileError("index file: a word is listed twice")
    n_rows = channels[0].shape[0]
    word_df, lengths = arrays["word_df"], arrays["row_lengths"]
    ptr, ids = arrays["flat_ptr"], arrays["flat_ids"]
    if (
        any(a.ndim != 1 for a in (word_df, lengths, ptr, ids))
        or len(word_df) != len(words)
        or len(lengths) != n_rows
        or len(ptr) != n_rows + 1
        or (len(ptr) and (ptr[0] != 0 or ptr[-1] != len(ids) or np.any(np.diff(ptr) < 0)))
        or (len(ids) and (ids.min() < 0 or ids.max() >= len(words)))
        or (len(word_df) and word_df.min() < 1)
        or (len(lengths) and lengths.min() < 0)
    ):
        raise IndexFileError("index file: word arrays are inconsistent")
    transposed = [arrays[f"transposed{c}"] for c in range(N_CHANNELS)]
    for t, mat in zip(transposed, channels, strict=True):
        if t.ndim != 1 or len(t) != mat.nnz or (len(t) and (t.min() < 0 or t.max() >= n_rows)):
            raise IndexFileError("index file: transposed arrays are inconsistent")
    return Warmed(words, word_df, lengths, ptr, ids, transposed)


def build_or_load(
    entries: Sequence[FactCheckEntry], path: Path
) -> tuple[FactCheckIndex, str | None]:
    """Return the index of `entries` from `path` when current, else built and saved.

    The second value says why the file was (re)built ("" when it was simply absent, None when
    it was read), so the caller can log it in one line.
    """
    want = digest(entries)
    why: str | None = None
    if path.exists():
        try:
            return load_index(path, want), None
        except IndexFileError as exc:
            why = str(exc)
    else:
        why = ""
    index = FactCheckIndex()
    index.add(entries)
    save_index(index, path, want)
    return index, why
