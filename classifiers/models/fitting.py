"""Fitting the pipeline: normalise once, fit with and without stemming, keep what helps."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.pipeline import Pipeline

from classifiers.contracts import LABELS
from classifiers.data.corpus import Example
from classifiers.data.registry import lexicon_files
from classifiers.data.splits import sample_rows
from classifiers.models.estimator import build_pipeline
from classifiers.models.loaded import LoadedClassifier
from classifiers.models.metrics import choose_threshold, evaluate_scores

if TYPE_CHECKING:
    from classifiers.models.train import TrainConfig


def _matrix(examples: Sequence[Example]) -> np.ndarray:
    return np.array([ex.row() for ex in examples], dtype=int).reshape(-1, len(LABELS))


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
            max_chars=config.max_chars,
            class_weight=config.class_weight,
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


def _compare_sample(rows: Sequence[Example], limit: int) -> list[Example]:
    """Every seed and reviewer row plus a fixed hash-ordered sample of the rest, `limit` in all."""
    if len(rows) <= limit:
        return list(rows)
    own = [ex for ex in rows if ex.source in ("seeds", "reviewer_decisions")]
    rest = [ex for ex in rows if ex.source not in ("seeds", "reviewer_decisions")]
    return own + sample_rows(rest, "stem-compare", max(0, limit - len(own)))
