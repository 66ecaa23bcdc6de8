"""Training, evaluation and comparison: the Python API behind `waspada train|evaluate`."""

from __future__ import annotations

import hashlib
import logging
import platform
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.pipeline import Pipeline

from classifiers.contracts import LABELS
from classifiers.data.corpus import (
    EVAL_DIR,
    SEEDS_DIR,
    Example,
    available_datasets,
    dedupe,
    load_dataset,
    load_seeds,
    read_labelled_jsonl,
)
from classifiers.data.registry import DATASETS, lexicon_files
from classifiers.data.splits import SPLIT_SALT, split_examples
from classifiers.drift import score_profile
from classifiers.models.artifact import sha256_file
from classifiers.models.estimator import build_pipeline
from classifiers.models.loaded import LoadedClassifier
from classifiers.models.metrics import choose_threshold, evaluate_scores

log = logging.getLogger("waspada.classifiers")

# Sources never trained on: the ordinary-content check (README: judge false positives).
NEWS_CHECK_SOURCES = ("pilpres2019_neutral",)


@dataclass
class TrainConfig:
    """What to train on and how big the model is."""

    target_precision: float = 0.8
    stem: bool = False
    datasets: list[str] | None = None  # None: every fetched labelled dataset
    use_lexicons: bool = True
    word_max_features: int = 60_000
    char_max_features: int = 60_000
    min_df: int = 2
    C: float = 4.0
    calibration_cv: int = 3
    # Keep at most this many rows per public dataset (a fixed hash order picks them).
    max_rows_per_dataset: int | None = None
    seed: int = 0  # numpy's global RNG is seeded with this before fitting

    @classmethod
    def small(cls, target_precision: float = 0.8) -> TrainConfig:
        """A configuration that trains in seconds (tests, seeds-only defaults)."""
        return cls(
            target_precision=target_precision,
            datasets=[],
            use_lexicons=False,
            word_max_features=5_000,
            char_max_features=5_000,
            min_df=1,
            calibration_cv=2,
        )


@dataclass
class TrainedModel:
    """A fitted pipeline, its thresholds and its model card."""

    pipeline: Pipeline
    thresholds: dict[str, float]
    card: dict[str, Any] = field(default_factory=dict)

    def classifier(self, version: str = "unregistered") -> LoadedClassifier:
        """Wrap the pipeline as a `Classifier`."""
        return LoadedClassifier(version, self.pipeline, self.thresholds)


def _matrix(examples: Sequence[Example]) -> np.ndarray:
    return np.array([ex.row() for ex in examples], dtype=int).reshape(-1, len(LABELS))


def _file_sha(path: Path) -> str:
    return sha256_file(path) if path.is_file() else ""


def gather(
    data_dir: Path, config: TrainConfig, extra: Sequence[Example] = ()
) -> tuple[list[Example], list[Example], dict[str, Any]]:
    """Return (trainable examples, ordinary-content check examples, data-source records)."""
    names = available_datasets(data_dir) if config.datasets is None else config.datasets
    sources: dict[str, Any] = {}
    trainable: list[Example] = []
    news_check: list[Example] = []
    for name in names:
        rows = load_dataset(name, data_dir)
        available = len(rows)
        if config.max_rows_per_dataset is not None:
            rows = sample_rows(rows, name, config.max_rows_per_dataset)
        ds = DATASETS[name]
        sources[name] = {
            "licence": ds.licence,
            "citation": ds.citation,
            "labels": ds.labels,
            "files": {f.name: _file_sha(ds.folder(data_dir) / f.name) for f in ds.files},
            "rows": len(rows),
            "rows_available": available,
        }
        for ex in rows:
            (news_check if ex.source in NEWS_CHECK_SOURCES else trainable).append(ex)
    seeds = load_seeds()
    sources["seeds"] = {
        "files": {p.name: _file_sha(p) for p in sorted(SEEDS_DIR.glob("*.jsonl"))},
        "rows": len(seeds),
        "licence": "project's own (AGPL-3.0-or-later)",
    }
    if extra:
        sources["reviewer_decisions"] = {"rows": len(extra)}
    trainable = dedupe([*seeds, *extra, *trainable])
    return trainable, dedupe(news_check), sources


def sample_rows(rows: Sequence[Example], name: str, limit: int) -> list[Example]:
    """Keep `limit` rows in a fixed pseudo-random order (the same rows on every run)."""
    if len(rows) <= limit:
        return list(rows)

    def key(ex: Example) -> bytes:
        return hashlib.sha256(f"{name}:{ex.id}:{ex.text}".encode()).digest()

    return sorted(rows, key=key)[:limit]


def snapshot_of(
    sources: dict[str, Any], examples: Sequence[Example], config: TrainConfig, data_dir: Path
) -> dict[str, Any]:
    """The exact data a version was trained from: file hashes, review ids, seeds."""
    lexicons = lexicon_files(data_dir) if config.use_lexicons else []
    return {
        "datasets": {n: s["files"] for n, s in sorted(sources.items()) if n in DATASETS},
        "seed_files": sources["seeds"]["files"],
        "lexicons": {Path(path).name: _file_sha(Path(path)) for _, path in lexicons},
        "review_ids": sorted(
            int(ex.meta["review_id"]) for ex in examples if ex.meta.get("review_id")
        ),
        "split_salt": SPLIT_SALT,
        "random_seed": config.seed,
        "max_rows_per_dataset": config.max_rows_per_dataset,
    }


def _fit(examples: Sequence[Example], config: TrainConfig, data_dir: Path) -> Pipeline:
    lexicons = lexicon_files(data_dir) if config.use_lexicons else []
    pipe = build_pipeline(
        lexicons,
        stem=config.stem,
        word_max_features=config.word_max_features,
        char_max_features=config.char_max_features,
        min_df=config.min_df,
        C=config.C,
        calibration_cv=config.calibration_cv,
    )
    # sklearn falls back to numpy's global RNG where no random_state is passed.
    np.random.seed(config.seed)
    pipe.fit([ex.text for ex in examples], _matrix(examples))
    return pipe


def evaluate(classifier: LoadedClassifier, examples: Sequence[Example]) -> dict[str, Any]:
    """Per-label P/R/F1/PR-AUC at the classifier's thresholds, and the any-label flag rate."""
    scores = classifier.scores([ex.text for ex in examples])
    return evaluate_scores(_matrix(examples), scores, list(classifier.thresholds))


def compare(
    a: LoadedClassifier, b: LoadedClassifier, examples: Sequence[Example]
) -> dict[str, Any]:
    """Evaluate two versions on the same data; `delta` is b minus a per label and metric."""
    ea, eb = evaluate(a, examples), evaluate(b, examples)
    delta: dict[str, dict[str, float]] = {}
    for label, ma in ea["labels"].items():
        mb = eb["labels"].get(label, {})
        delta[label] = {
            k: round(mb[k] - ma[k], 4)
            for k in ("precision", "recall", "f1", "pr_auc")
            if ma.get(k) is not None and mb.get(k) is not None
        }
    return {a.version: ea, b.version: eb, "delta": delta}


def external_sets(news_check: Sequence[Example]) -> dict[str, list[Example]]:
    """Evaluation sets from sources the model never trains on."""
    out: dict[str, list[Example]] = {}
    for path in sorted(EVAL_DIR.glob("*.jsonl")):
        out[path.stem] = read_labelled_jsonl(path, source=path.stem)
    if news_check:
        out["pilpres2019_neutral"] = list(news_check)
    return out


def train(
    data_dir: Path, config: TrainConfig | None = None, extra: Sequence[Example] = ()
) -> TrainedModel:
    """Train on fetched datasets + seeds + reviewer decisions; evaluate; build the card."""
    config = config or TrainConfig()
    started = time.monotonic()
    examples, news_check, sources = gather(data_dir, config, extra)
    if not any(s != "seeds" for s in sources if s != "reviewer_decisions"):
        log.warning("no public datasets fetched; training on the project's seeds alone")
    train_rows, val_rows, test_rows = split_examples(examples)
    pipe = _fit(train_rows, config, data_dir)
    provisional = LoadedClassifier("validation", pipe, dict.fromkeys(LABELS, 0.5))
    val_scores = provisional.scores([ex.text for ex in val_rows])
    Yv = _matrix(val_rows)
    thresholds: dict[str, float] = {}
    target_met: dict[str, bool] = {}
    for j, label in enumerate(LABELS):
        known = Yv[:, j] != -1
        t, met = choose_threshold(Yv[known, j], val_scores[known, j], config.target_precision)
        thresholds[label], target_met[label] = round(t, 6), met
    model = TrainedModel(pipe, thresholds)
    clf = model.classifier()
    held_out = evaluate(clf, test_rows)
    held_out["by_source"] = {
        src: evaluate(clf, [ex for ex in test_rows if ex.source == src])
        for src in sorted({ex.source for ex in test_rows})
    }
    cross = {name: evaluate(clf, rows) for name, rows in external_sets(news_check).items()}
    ordinary = [ex for ex in test_rows if ex.source == "berita_news"] + list(news_check)
    model.card = {
        "labels": list(LABELS),
        "label_mapping": {n: s.get("labels", {}) for n, s in sources.items()},
        "data_sources": sources,
        "rows": {"train": len(train_rows), "validation": len(val_rows), "test": len(test_rows)},
        "thresholds": thresholds,
        "target_precision": config.target_precision,
        "target_precision_met_on_validation": target_met,
        "metrics": {
            "held_out": held_out,
            "cross_dataset": cross,
            "ordinary_content_flag_rate": evaluate(clf, ordinary)["any_label_flag_rate"]
            if ordinary
            else None,
        },
        "config": asdict(config),
        "versions": {
            "python": platform.python_version(),
            "scikit-learn": sklearn.__version__,
            "sastrawi": _sastrawi_version(),
            "numpy": np.__version__,
        },
        "snapshot": snapshot_of(sources, examples, config, data_dir),
        "validation_profile": score_profile(val_scores, thresholds),
        "training_seconds": round(time.monotonic() - started, 2),
        "fingerprint": _fingerprint(sources, config),
    }
    return model


def _sastrawi_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("Sastrawi")
    except PackageNotFoundError:
        return "unknown"


def _fingerprint(sources: dict[str, Any], config: TrainConfig) -> str:
    raw = repr(sorted((k, repr(v)) for k, v in sources.items())) + repr(asdict(config))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]
