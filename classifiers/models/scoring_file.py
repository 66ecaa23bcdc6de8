"""The scoring file: a compiled model as a numpy `.npz` of plain arrays plus one JSON member.

Loading executes nothing: `numpy.load(allow_pickle=False)` reads numeric arrays only, the JSON
member is parsed with `json.loads`, and every member, type and shape is checked before use.
The file's sha256 is recorded in the model card at registration and checked first.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.models.compiled import CompiledModel
from classifiers.models.safety import UnsafeModel, sha256_file

FORMAT = "waspada-scoring/1"
SUFFIX = ".scoring.npz"
_FLOAT_ARRAYS = {
    "word_idf": 1,
    "char_idf": 1,
    "weights": 2,
    "intercepts": 1,
    "cal_a": 1,
    "cal_b": 1,
}
_MEMBERS = frozenset({*_FLOAT_ARRAYS, "column_label", "meta"})
# JSON fields of `meta` and the Python type each must have.
_META: dict[str, type | tuple[type, ...]] = {
    "format": str,
    "slang_table": str,
    "vocab_table": str,
    "max_chars": (int, type(None)),
    "stem": bool,
    "word_terms": list,
    "char_terms": list,
    "char_range": list,
    "rule_names": list,
    "rule_weight": float,
    "rule_floor": float,
}


def save_compiled(model: CompiledModel, path: Path) -> str:
    """Write the scoring file (atomically) and return its sha256."""
    meta = {
        "format": FORMAT,
        "slang_table": model.slang_table,
        "vocab_table": model.vocab_table,
        "max_chars": model.max_chars,
        "stem": model.stem,
        "word_terms": model.word_terms,
        "char_terms": model.char_terms,
        "char_range": list(model.char_range),
        "rule_names": model.rule_names,
        "rule_weight": model.rule_weight,
        "rule_floor": model.rule_floor,
    }
    raw = json.dumps(meta, ensure_ascii=False).encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as fh:
        # Uncompressed: the weights inflate slower than they read, and load time is start-up.
        np.savez(
            fh,
            meta=np.frombuffer(raw, dtype=np.uint8),
            word_idf=model.word_idf,
            char_idf=model.char_idf,
            weights=model.weights,
            intercepts=model.intercepts,
            cal_a=model.cal_a,
            cal_b=model.cal_b,
            column_label=model.column_label,
        )
    tmp.replace(path)
    return sha256_file(path)


def _arrays(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as npz:
            names = set(npz.files)
            if names != _MEMBERS:
                extra, missing = sorted(names - _MEMBERS), sorted(_MEMBERS - names)
                raise UnsafeModel(
                    f"scoring file {path} has unexpected members {extra} / lacks {missing}"
                )
            return {name: npz[name] for name in names}
    except UnsafeModel:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as exc:
        # numpy refuses object (pickled) arrays with ValueError under allow_pickle=False.
        raise UnsafeModel(f"scoring file {path} is not a plain-array npz: {exc}") from None


def _meta(path: Path, raw: np.ndarray) -> dict[str, Any]:
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise UnsafeModel(f"scoring file {path}: meta is not UTF-8 bytes")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnsafeModel(f"scoring file {path}: meta is not JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise UnsafeModel(
            f"scoring file {path} is not format {FORMAT}; retrain with `waspada train`"
        )
    for key, kind in _META.items():
        if not isinstance(meta.get(key), kind) or (kind is float and isinstance(meta[key], bool)):
            raise UnsafeModel(f"scoring file {path}: meta field {key!r} is missing or mistyped")
    for key in ("word_terms", "char_terms", "rule_names"):
        if not all(isinstance(t, str) for t in meta[key]):
            raise UnsafeModel(f"scoring file {path}: {key} must be strings")
    rng = meta["char_range"]
    if len(rng) != 2 or not all(isinstance(v, int) and 0 < v <= 20 for v in rng):
        raise UnsafeModel(f"scoring file {path}: char_range must be two small integers")
    return meta


def load_compiled(path: Path, expected_sha256: str) -> CompiledModel:
    """Load a scoring file after checking its sha256, members, types and shapes."""
    if not path.is_file():
        raise UnsafeModel(f"scoring file {path} does not exist")
    actual = sha256_file(path)
    if actual != expected_sha256:
        raise UnsafeModel(
            f"scoring file {path} has sha256 {actual}, the model card expects "
            f"{expected_sha256}; refusing to load a file that changed after training"
        )
    arrays = _arrays(path)
    meta = _meta(path, arrays.pop("meta"))
    for name, ndim in _FLOAT_ARRAYS.items():
        arr = arrays[name]
        if arr.dtype.kind != "f" or arr.ndim != ndim or not np.isfinite(arr).all():
            raise UnsafeModel(f"scoring file {path}: {name} must be finite floats ({ndim}-D)")
    if arrays["column_label"].dtype.kind not in "iu" or arrays["column_label"].ndim != 1:
        raise UnsafeModel(f"scoring file {path}: column_label must be integers")
    try:
        return CompiledModel(
            slang_table=meta["slang_table"],
            vocab_table=meta["vocab_table"],
            max_chars=meta["max_chars"],
            stem=meta["stem"],
            word_terms=meta["word_terms"],
            word_idf=arrays["word_idf"],
            char_terms=meta["char_terms"],
            char_idf=arrays["char_idf"],
            char_range=(meta["char_range"][0], meta["char_range"][1]),
            rule_names=meta["rule_names"],
            rule_weight=meta["rule_weight"],
            weights=arrays["weights"],
            intercepts=arrays["intercepts"],
            cal_a=arrays["cal_a"],
            cal_b=arrays["cal_b"],
            column_label=arrays["column_label"].astype(np.int64),
            rule_floor=meta["rule_floor"],
        )
    except ValueError as exc:
        raise UnsafeModel(f"scoring file {path} is inconsistent: {exc}") from None


def scoring_path(model_path: Path) -> Path:
    """Return where the scoring file of a saved model lives (next to it)."""
    return model_path.with_name(model_path.stem + SUFFIX)
