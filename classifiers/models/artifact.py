"""Saving and loading pipelines with skops: checksum first, then only trusted types."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from classifiers.models.safety import UnsafeModel, sha256_file

__all__ = ["TRUSTED_TYPES", "UnsafeModel", "load_pipeline", "save_pipeline", "sha256_file"]

# Every type a Waspada pipeline may contain. Anything else in a file means it was not
# written by `waspada train` (or was tampered with) and it is refused, never loaded.
TRUSTED_TYPES: frozenset[str] = frozenset(
    {
        "classifiers.models.estimator.PerLabelClassifier",
        "classifiers.models.vectorizer.CompactTfidfVectorizer",
        "classifiers.text.normalize.Normalizer",
        "classifiers.text.rules.RuleFeatures",
        "classifiers.text.stem.Stemmer",
        "builtins.dict",
        "builtins.list",
        "builtins.tuple",
        "builtins.str",
        "builtins.int",
        "builtins.float",
        "builtins.bool",
        "builtins.NoneType",
        "numpy.dtype",
        "numpy.float32",
        "numpy.float64",
        "numpy.int64",
        "numpy.int32",
        "numpy.ndarray",
        "scipy.sparse._csr.csr_matrix",
        "sklearn.calibration.CalibratedClassifierCV",
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.feature_extraction.text.TfidfTransformer",
        "sklearn.feature_extraction.text.TfidfVectorizer",
        "sklearn.linear_model._logistic.LogisticRegression",
        "sklearn.pipeline.FeatureUnion",
        "sklearn.pipeline.Pipeline",
    }
)


def plain_vocabularies(obj: Any) -> int:
    """Turn numpy-integer vocabulary indices into Python ints in every fitted vectorizer.

    Why: with `max_features`, sklearn stores `vocabulary_` values as numpy scalars, which
    skops writes as one archive member each, checking the member list every time: saving
    120k n-grams took over ten minutes and made a bloated file. Returns the entries fixed.
    """
    fixed = 0
    vocab = getattr(obj, "vocabulary_", None)
    if isinstance(vocab, dict) and any(not isinstance(v, int) for v in vocab.values()):
        obj.vocabulary_ = {str(k): int(v) for k, v in vocab.items()}
        fixed += len(vocab)
    for child in _children(obj):
        fixed += plain_vocabularies(child)
    return fixed


def _children(obj: Any) -> list[Any]:
    steps = getattr(obj, "steps", None) or getattr(obj, "transformer_list", None) or []
    return [step[1] for step in steps if isinstance(step, tuple) and len(step) == 2]


def save_pipeline(obj: Any, path: Path) -> str:
    """Write an estimator with skops and return the file's sha256."""
    plain_vocabularies(obj)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    import skops.io as sio  # lazily: importing skops pulls in scikit-learn (~1.3 s at start)

    sio.dump(obj, tmp, compression=zipfile.ZIP_DEFLATED)
    tmp.replace(path)
    return sha256_file(path)


def load_pipeline(path: Path, expected_sha256: str) -> Any:
    """Load an estimator after checking its sha256 and that every type in it is trusted."""
    if not path.is_file():
        raise UnsafeModel(f"model file {path} does not exist")
    actual = sha256_file(path)
    if actual != expected_sha256:
        raise UnsafeModel(
            f"model file {path} has sha256 {actual}, registry expects {expected_sha256}; "
            "refusing to load a file that changed after training"
        )
    import skops.io as sio  # lazily, as in save_pipeline: only commands that load a model pay

    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # skops raises many types on a corrupt archive
        raise UnsafeModel(f"model file {path} is not a readable skops archive: {exc}") from None
    unknown = sorted(set(untrusted) - TRUSTED_TYPES)
    if unknown:
        raise UnsafeModel(f"model file {path} contains untrusted types: {', '.join(unknown)}")
    try:
        return sio.load(path, trusted=sorted(set(untrusted)))
    except Exception as exc:
        raise UnsafeModel(f"model file {path} could not be loaded safely: {exc}") from None
