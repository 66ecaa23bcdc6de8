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
    unassume_negatives,
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
    # None: fit both variants, measure on validation, keep stemming only where it helps.
    stem: bool | None = None
    datasets: list[str] | None = None  # None: every fetched labelled dataset
    use_lexicons: bool = True
    word_max_features: int = 60_000
    char_max_features: int = 60_000
    min_df: int = 2
    C: float = 4.0
    calibration_cv: int = 3
    # The stemming comparison fits two models; on big corpora it uses a fixed sample this big
    # (seeds and reviewer rows always in) because cold Sastrawi costs milliseconds per word.
    stem_compare_rows: int = 4000
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
            # Assumed 0s (labels the set never assessed) made unknown where that label's
            # rules fire: see `unassume_negatives`.
            "assumed_negatives_made_unknown": unassume_negatives(
                ex for ex in rows if ex.source not in NEWS_CHECK_SOURCES
            ),
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


# Stemming must raise validation PR-AUC by this much on average to be worth its cost.
STEM_MIN_GAIN = 0.005


def _fit_variants(
    examples: Sequence[Example], config: TrainConfig, data_dir: Path, variants: Sequence[bool]
) -> dict[bool, Pipeline]:
    """Fit one pipeline per stemming setting, normalising the texts once for all of them."""
    lexicons = lexicon_files(data_dir) if config.use_lexicons else []
    texts = [ex.text for ex in examples]
    Y = _matrix(examples)
    normalizer: Any = None
    normalized: list[str] = []
    out: dict[bool, Pipeline] = {}
    for stem in variants:
        pipe = build_pipeline(
            lexicons,
            stem=stem,
            word_max_features=config.word_max_features,
            char_max_features=config.char_max_features,
            min_df=config.min_df,
            C=config.C,
            calibration_cv=config.calibration_cv,
        )
        if normalizer is None:
            normalizer = pipe.named_steps["normalize"].fit(texts)
            normalized = normalizer.transform(texts)
        # Why by hand: the steps are the pipeline's own objects, so the pipeline ends fitted
        # exactly as `pipe.fit` would leave it, without normalising the corpus twice.
        pipe.steps[0] = ("normalize", normalizer)
        np.random.seed(config.seed)  # sklearn falls back to numpy's global RNG
        pipe[1:].fit(normalized, Y)
        out[stem] = pipe
    return out


def _posts_per_second(clf: LoadedClassifier, texts: Sequence[str]) -> float:
    start = time.perf_counter()
    clf.scores(texts)
    return round(len(texts) / max(time.perf_counter() - start, 1e-9), 1)


def fit_choosing_stem(
    train_rows: Sequence[Example],
    val_rows: Sequence[Example],
    config: TrainConfig,
    data_dir: Path,
) -> tuple[Pipeline, dict[str, Any]]:
    """Fit the pipeline; with `stem=None` measure stemming per label, keep it only if it helps."""
    if config.stem is not None:
        pipe = _fit_variants(train_rows, config, data_dir, [config.stem])[config.stem]
        return pipe, {"measured": False, "chosen": config.stem, "reason": "set in the config"}
    cap = config.stem_compare_rows
    sample_train, sample_val = _compare_sample(train_rows, cap), _compare_sample(val_rows, cap // 2)
    pipes = _fit_variants(sample_train, config, data_dir, [False, True])
    texts = [ex.text for ex in sample_val]
    Yv = _matrix(sample_val)
    per_label: dict[str, dict[str, Any]] = {}
    gains: list[float] = []
    results: dict[bool, dict[str, Any]] = {}
    speed: dict[str, float] = {}
    for stem, pipe in pipes.items():
        clf = LoadedClassifier("validation", pipe, dict.fromkeys(LABELS, 0.5))
        speed["with" if stem else "without"] = _posts_per_second(clf, texts)
        scores = clf.scores(texts)
        thresholds = []
        for j in range(len(LABELS)):
            known = Yv[:, j] != -1
            target = config.target_precision
            thresholds.append(choose_threshold(Yv[known, j], scores[known, j], target)[0])
        results[stem] = evaluate_scores(Yv, scores, thresholds)["labels"]
    for label in LABELS:
        without, with_ = results[False].get(label), results[True].get(label)
        if not without or not with_:
            continue
        gain = (with_["pr_auc"] or 0.0) - (without["pr_auc"] or 0.0)
        gains.append(gain)
        per_label[label] = {
            "without": {k: without[k] for k in ("pr_auc", "f1")},
            "with": {k: with_[k] for k in ("pr_auc", "f1")},
            "pr_auc_gain": round(gain, 4),
            "helps": gain > STEM_MIN_GAIN,
        }
    mean_gain = float(np.mean(gains)) if gains else 0.0
    chosen = mean_gain > STEM_MIN_GAIN
    report = {
        "measured": True,
        "on": (
            f"fitted on {len(sample_train)} of {len(train_rows)} training rows, scored on "
            f"{len(sample_val)} of {len(val_rows)} validation rows; F1 at the target precision"
        ),
        "per_label": per_label,
        "mean_pr_auc_gain": round(mean_gain, 4),
        "posts_per_second": speed,
        "chosen": chosen,
        "reason": (
            f"stemming raises mean validation PR-AUC by {mean_gain:+.4f}"
            if chosen
            else f"stemming changes mean validation PR-AUC by {mean_gain:+.4f} "
            f"(needs > {STEM_MIN_GAIN}); the faster unstemmed variant is kept"
        ),
    }
    if len(sample_train) == len(train_rows):
        return pipes[chosen], report
    return _fit_variants(train_rows, config, data_dir, [chosen])[chosen], report


RULE_MIN_HITS = 5


def rule_floor_precision(
    clf: LoadedClassifier, rows: Sequence[Example], config: TrainConfig
) -> dict[str, dict[str, Any]]:
    """Per label, how often strong unsuppressed rules fire on labelled rows and how precisely."""
    if not rows:
        return {}
    fired = clf.clf.floors(clf.features([ex.text for ex in rows])) > 0
    Y = _matrix(rows)
    out: dict[str, dict[str, Any]] = {}
    for j, label in enumerate(LABELS):
        known = Y[:, j] != -1
        hits = fired[known, j]
        n = int(hits.sum())
        tp = int((Y[known, j][hits] == 1).sum())
        precision = round(tp / n, 4) if n else None
        out[label] = {
            "hits": n,
            "true_positives": tp,
            "precision": precision,
            "trusted": n >= RULE_MIN_HITS
            and precision is not None
            and precision >= config.target_precision,
            "measured_on": f"{int(known.sum())} seed and reviewer rows",
        }
    return out


def _compare_sample(rows: Sequence[Example], limit: int) -> list[Example]:
    """Every seed and reviewer row plus a fixed hash-ordered sample of the rest, `limit` in all."""
    if len(rows) <= limit:
        return list(rows)
    own = [ex for ex in rows if ex.source in ("seeds", "reviewer_decisions")]
    rest = [ex for ex in rows if ex.source not in ("seeds", "reviewer_decisions")]
    return own + sample_rows(rest, "stem-compare", max(0, limit - len(own)))


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
    pipe, stemming = fit_choosing_stem(train_rows, val_rows, config, data_dir)
    provisional = LoadedClassifier("validation", pipe, dict.fromkeys(LABELS, 0.5))
    val_scores = provisional.scores([ex.text for ex in val_rows])
    Yv = _matrix(val_rows)
    thresholds: dict[str, float] = {}
    target_met: dict[str, bool] = {}
    for j, label in enumerate(LABELS):
        known = Yv[:, j] != -1
        t, met = choose_threshold(Yv[known, j], val_scores[known, j], config.target_precision)
        thresholds[label], target_met[label] = round(t, 6), met
    # Rules are judged where every label was assessed by people: seeds and reviewer decisions.
    own = [ex for ex in [*train_rows, *val_rows] if ex.source in ("seeds", "reviewer_decisions")]
    rule_check = rule_floor_precision(provisional, own, config)
    floor = float(pipe.named_steps["clf"].rule_floor)
    for label, check in rule_check.items():
        if check["trusted"] and thresholds[label] > floor:
            # A strong rule that is precise on labelled data flags on its own, even where
            # few validation positives pushed the model threshold above the floor.
            thresholds[label] = floor
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
        "rule_floors": rule_check,
        "metrics": {
            "held_out": held_out,
            "cross_dataset": cross,
            "ordinary_content_flag_rate": evaluate(clf, ordinary)["any_label_flag_rate"]
            if ordinary
            else None,
        },
        "stemming": stemming,
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
