"""Turn a fitted Waspada pipeline into a `CompiledModel` (reads attributes; imports no sklearn)."""

from __future__ import annotations

from typing import Any

import numpy as np

from classifiers.contracts import LABELS
from classifiers.models.compiled import CompiledModel

WORD_TOKEN_PATTERN = r"(?u)\b\w+\b"  # noqa: S105 - a regex, not a secret


class NotCompilable(ValueError):
    """The pipeline is not the shape `build_pipeline` makes, so it cannot be compiled exactly."""


def _expect(obj: Any, **wanted: Any) -> None:
    for name, value in wanted.items():
        got = getattr(obj, name, None)
        if got != value:
            raise NotCompilable(f"{type(obj).__name__}.{name} is {got!r}, expected {value!r}")


def _vectorizer(vec: Any, analyzer: str) -> tuple[list[str], np.ndarray, tuple[int, int]]:
    _expect(
        vec,
        analyzer=analyzer,
        lowercase=True,
        binary=False,
        use_idf=True,
        sublinear_tf=True,
        norm="l2",
        preprocessor=None,
        tokenizer=None,
        stop_words=None,
        strip_accents=None,
    )
    if analyzer == "word":
        _expect(vec, token_pattern=WORD_TOKEN_PATTERN, ngram_range=(1, 2))
    vocab: dict[str, int] = vec.vocabulary_
    terms = sorted(vocab, key=vocab.__getitem__)
    if [vocab[t] for t in terms] != list(range(len(terms))):
        raise NotCompilable("vocabulary indices are not 0..n-1")
    lo, hi = vec.ngram_range
    return terms, np.asarray(vec.idf_), (int(lo), int(hi))


def _steps(obj: Any, attr: str) -> dict[str, Any]:
    return {name: step for name, step in getattr(obj, attr)}


def compile_pipeline(pipeline: Any) -> CompiledModel:
    """Return the arrays of a fitted `build_pipeline` pipeline; NotCompilable when it differs."""
    try:
        steps = _steps(pipeline, "steps")
        normalizer, features, clf = steps["normalize"], steps["features"], steps["clf"]
        parts = _steps(features, "transformer_list")
        ngrams, rules = parts["ngrams"], parts["rules"]
        inner = _steps(ngrams, "steps")
        vectorizers = _steps(inner["tfidf"], "transformer_list")
        stemmer = inner["stem"]
    except (AttributeError, KeyError, TypeError) as exc:
        raise NotCompilable(f"unexpected pipeline layout: {exc}") from None
    if list(steps) != ["normalize", "features", "clf"] or list(parts) != ["ngrams", "rules"]:
        raise NotCompilable("unexpected pipeline step order")
    if list(vectorizers) != ["word", "char"] or list(inner) != ["stem", "tfidf"]:
        raise NotCompilable("unexpected n-gram step order")
    for union in (features, inner["tfidf"]):
        _expect(union, transformer_weights=None)
    word_terms, word_idf, _ = _vectorizer(vectorizers["word"], "word")
    char_terms, char_idf, char_range = _vectorizer(vectorizers["char"], "char_wb")
    weights, intercepts, cal_a, cal_b, column_label = [], [], [], [], []
    for label, model in enumerate(clf.models_):
        _expect(model, method="sigmoid")
        for fold in model.calibrated_classifiers_:
            est = fold.estimator
            if list(np.asarray(est.classes_)) != [0, 1] or est.coef_.shape[0] != 1:
                raise NotCompilable("every fold model must be a binary 0/1 logistic regression")
            weights.append(np.asarray(est.coef_[0], dtype=np.float64))
            intercepts.append(float(est.intercept_[0]))
            cal_a.append(float(fold.calibrators[0].a_))
            cal_b.append(float(fold.calibrators[0].b_))
            column_label.append(label)
    if len(clf.models_) != len(LABELS):
        raise NotCompilable(f"{len(clf.models_)} label models, expected {len(LABELS)}")
    if clf.n_rule_columns != len(rules.rule_names_):
        raise NotCompilable("rule column count differs from the rule step's names")
    return CompiledModel(
        slang_table=normalizer.slang_table_,
        vocab_table=normalizer.vocab_table_,
        max_chars=getattr(normalizer, "max_chars", None),
        stem=bool(stemmer.enabled),
        word_terms=word_terms,
        word_idf=word_idf,
        char_terms=char_terms,
        char_idf=char_idf,
        char_range=char_range,
        rule_names=list(rules.rule_names_),
        rule_weight=float(rules.weight),
        weights=np.column_stack(weights),
        intercepts=np.asarray(intercepts),
        cal_a=np.asarray(cal_a),
        cal_b=np.asarray(cal_b),
        column_label=np.asarray(column_label, dtype=np.int64),
        rule_floor=float(clf.rule_floor),
    )
