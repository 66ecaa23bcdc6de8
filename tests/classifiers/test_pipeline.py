"""The whole text-to-scores Pipeline: one estimator for GridSearchCV, one artifact, explanations."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import GridSearchCV, KFold

from classifiers.contracts import LABELS, FactCheckMatch
from classifiers.data.corpus import load_seeds
from classifiers.models.artifact import load_pipeline, save_pipeline
from classifiers.models.estimator import SUPPRESSED_FACTOR, build_pipeline
from classifiers.models.loaded import LoadedClassifier
from classifiers.models.train import TrainedModel
from classifiers.models.vectorizer import CompactTfidfVectorizer
from classifiers.text.normalize import normalize
from classifiers.text.rules import RULES, RuleFeatures, fired

SMALL = {"word_max_features": 3000, "char_max_features": 3000, "min_df": 1, "calibration_cv": 2}


def _seed_data() -> tuple[list[str], np.ndarray]:
    seeds = load_seeds()
    return [ex.text for ex in seeds], np.array([ex.row() for ex in seeds])


def test_pipeline_in_grid_search() -> None:
    texts, Y = _seed_data()
    pipe = build_pipeline(**SMALL)  # type: ignore[arg-type]
    assert {"features__ngrams__stem__enabled", "clf__C", "normalize__lexicons"} <= set(
        pipe.get_params()
    )
    grid = GridSearchCV(
        pipe,
        {"clf__C": [0.5, 4.0], "features__ngrams__tfidf__word__ngram_range": [(1, 1), (1, 2)]},
        scoring="f1_micro",
        cv=KFold(2, shuffle=True, random_state=0),
        error_score="raise",
    )
    grid.fit(texts, Y)
    assert len(grid.cv_results_["params"]) == 4
    assert 0.3 < grid.best_score_ <= 1.0
    proba = grid.best_estimator_.predict_proba(texts[:5])
    assert proba.shape == (5, len(LABELS))
    assert ((proba >= 0) & (proba <= 1)).all()


def test_clone_keeps_parameters_and_drops_fitted_state() -> None:
    texts, Y = _seed_data()
    pipe = build_pipeline(stem=True, C=2.0, **SMALL)  # type: ignore[arg-type]
    fitted = clone(pipe).fit(texts, Y)
    copy = clone(fitted)
    assert copy.get_params()["clf__C"] == 2.0
    assert copy.get_params()["features__ngrams__stem__enabled"] is True
    assert not hasattr(copy.named_steps["clf"], "models_")
    assert hasattr(fitted.named_steps["clf"], "models_")


def test_one_artifact_round_trip(tmp_path: Path, small_model: TrainedModel) -> None:
    path = tmp_path / "m.skops"
    digest = save_pipeline(small_model.pipeline, path)
    loaded = load_pipeline(path, digest)
    texts = ["Serangan fajar 50rb asal coblos nomor 3", "Jadwal pencoblosan 14 Februari"]
    np.testing.assert_allclose(
        loaded.predict_proba(texts), small_model.pipeline.predict_proba(texts), rtol=1e-6
    )


def test_rules_read_unstemmed_text_even_when_stemming() -> None:
    # "dibayar" stems to "bayar"; the money rule must still see the normalised word.
    texts, Y = _seed_data()
    stemmed = build_pipeline(stem=True, **SMALL).fit(texts, Y)  # type: ignore[arg-type]
    X = stemmed.named_steps["features"].transform([normalize("Warga dibayar asal coblos")])
    rule_cols = X[:, X.shape[1] - len(RULES) :].toarray()[0]
    names = [r.name for r, hit in zip(RULES, rule_cols, strict=True) if hit]
    assert "mp_offer_for_vote" in names


def test_explanations_name_ngrams_and_rules(small_model: TrainedModel) -> None:
    clf: LoadedClassifier = small_model.classifier("v-test")
    [flagged, calm] = clf.classify(
        [
            "Besok pagi ada serangan fajar 100rb per kepala, asal coblos nomor 2 ya",
            "Cuaca cerah di Bandung, warga berolahraga di alun-alun",
        ]
    )
    assert "money_politics" in flagged.labels
    assert flagged.model_version == "v-test"
    assert set(flagged.scores) == set(LABELS)
    rules = {r["rule"] for r in flagged.explanation["rules"]}
    assert "mp_strong_offer" in rules
    top = flagged.explanation["top_ngrams"]["money_politics"]
    assert top and all(isinstance(n, str) and w > 0 for n, w in top)
    assert not any(n.startswith(("ngrams__", "word__", "char__")) for n, _ in top)
    assert calm.labels == [] and calm.explanation["rules"] == []
    assert "top_ngrams" not in calm.explanation


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Tolak politik uang! Jangan terima amplop serangan fajar, laporkan ke Bawaslu", "mp"),
        ("Sejarah G30S: pelajaran tentang PKI di museum untuk siswa", "bc"),
        ("Klarifikasi: informasi surat suara sudah tercoblos adalah hoaks", "hx"),
        ("Jangan bawa isu agama ke pemilu, jaga kerukunan antar umat", "ip"),
    ],
)
def test_hard_negatives_suppress_strong_rules(text: str, label: str) -> None:
    hits = fired(normalize(text))
    assert any(r.suppressor and r.name.startswith(label) for r in hits), hits
    norm = normalize(text)
    X = RuleFeatures().fit([norm]).transform([norm])
    # A strong rule its label's suppressor countered is a quotation: no column either.
    countered = {r.label for r in hits if r.suppressor}
    assert X.sum() == len([r for r in hits if not (r.strong and r.label in countered)])


def test_rule_floor_lifts_a_strong_unsuppressed_hit(small_model: TrainedModel) -> None:
    clf = small_model.classifier()
    j = LABELS.index("money_politics")
    offer = clf.scores(["Ada bantu bensin 100rb asal pilih nomor 3 besok"])[0, j]
    appeal = clf.scores(["Tolak serangan fajar! Jangan mau dibayar untuk coblos nomor 3"])[0, j]
    assert offer >= small_model.pipeline.named_steps["clf"].rule_floor
    assert appeal < offer


def test_compact_vectorizer_saves_vocabulary_as_one_string(tmp_path: Path) -> None:
    texts, _ = _seed_data()
    norm = [normalize(t) for t in texts]
    plain = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), max_features=500).fit(norm)
    compact = CompactTfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), max_features=500)
    compact.fit(norm)
    state = compact.__getstate__()
    assert "vocabulary_" not in state and isinstance(state["packed_vocabulary_"], str)
    assert compact.vocabulary_  # the live object is untouched
    digest = save_pipeline(compact, tmp_path / "v.skops")
    loaded = load_pipeline(tmp_path / "v.skops", digest)
    assert loaded.vocabulary_ == {k: int(v) for k, v in plain.vocabulary_.items()}
    assert (loaded.transform(norm[:20]) != plain.transform(norm[:20])).nnz == 0


def test_a_counter_rule_halves_its_label_score(small_model: TrainedModel) -> None:
    clf = small_model.classifier()
    est = small_model.pipeline.named_steps["clf"]
    texts = [
        "Klarifikasi KPU: kabar pencoblosan diundur ke bulan Mei adalah hoaks",
        "Jangan ambil uangnya, tolak caleg yang bagi amplop. Suara kita gak bisa dibeli!",
    ]
    X = clf.features(texts)
    raw = np.maximum(est.model_scores(X), est.floors(X))
    supp = est.suppressed(X)
    assert supp[0, LABELS.index("hoax")] and supp[1, LABELS.index("money_politics")]
    np.testing.assert_allclose(clf.scores(texts)[supp], raw[supp] * SUPPRESSED_FACTOR)
    np.testing.assert_allclose(clf.scores(texts)[~supp], raw[~supp])


def test_a_debunk_post_shows_its_debunk_but_is_not_flagged_by_it(
    small_model: TrainedModel,
) -> None:
    debunk_post = "CEK FAKTA: video surat suara tercoblos di Malaysia adalah video simulasi"
    match = FactCheckMatch(
        id="tbh:1",
        title="[SALAH] Video Surat Suara Tercoblos di Malaysia",
        url=None,
        score=0.95,
    )

    class _Always:
        def match(self, texts: Sequence[str]) -> list[FactCheckMatch | None]:
            return [match for _ in texts]

    [out] = small_model.classifier().classify([debunk_post], matcher=_Always())
    assert out.factcheck == match  # the reviewer still sees which debunk it echoes
    signal = out.explanation.get("hoax_signal") or {}
    assert out.scores["hoax"] < 0.95 and "debunk_match" not in signal.get("fired", [])
