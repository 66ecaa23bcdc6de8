"""Model registry on both databases: register, promote, roll back, safe loading, model card."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sqlalchemy.orm import Session

from classifiers.contracts import LABELS
from classifiers.models.artifact import UnsafeModel, load_pipeline, save_pipeline
from classifiers.models.train import TrainedModel
from monitor.audit import service as audit
from monitor.core.settings import Settings
from monitor.modelversions import repository, service
from monitor.modelversions.loading import load_promoted, load_version
from monitor.modelversions.models import ModelVersion
from monitor.research.promote import promote

TEXTS = [
    "Besok pagi ada serangan fajar 100rb per kepala, asal coblos nomor 2 ya",
    "Tolak politik uang! Laporkan ke Bawaslu kalau ada yang bagi amplop",
    "Harga cabai naik lagi di pasar Minggu pagi ini",
]


def test_register_promote_rollback_audited(
    db: Session, settings: Settings, small_model: TrainedModel
) -> None:
    v1 = service.register(db, settings.data_dir, small_model, version="m-test-1")
    v2 = service.register(db, settings.data_dir, small_model, version="m-test-2")
    assert Path(v1.path).is_file() and Path(v1.path).with_suffix(".card.json").is_file()
    assert repository.promoted(db) is None
    assert load_promoted(db, settings) is None
    with pytest.raises(service.ModelNotFound, match="nothing to roll back"):
        service.rollback(db)

    promote(db, settings.data_dir, "m-test-1", None, actor="tester")
    with pytest.raises(service.ModelNotFound, match="only version ever promoted"):
        service.rollback(db)
    promote(db, settings.data_dir, "m-test-2", None, actor="tester")
    promoted = [r.version for r in repository.all_versions(db) if r.is_promoted]
    assert promoted == ["m-test-2"]

    assert service.rollback(db, actor="tester").version == "m-test-1"
    promoted = [r.version for r in repository.all_versions(db) if r.is_promoted]
    assert promoted == ["m-test-1"]
    loaded = load_promoted(db, settings)
    assert loaded is not None and loaded.version == "m-test-1"

    actions = [e.action for e in audit.events_for(db, "model", "m-test-1")]
    assert actions == ["model.register", "model.promote", "model.rollback"]  # issue 13
    assert audit.verify(db).ok

    with pytest.raises(service.ModelNotFound):
        promote(db, settings.data_dir, "m-does-not-exist", None)
    with pytest.raises(ValueError, match="already exists"):
        service.register(db, settings.data_dir, small_model, version="m-test-2")
    assert len(v1.sha256) == len(v2.sha256) == 64


def test_loaded_version_scores_like_the_trained_pipeline(
    db: Session, settings: Settings, small_model: TrainedModel
) -> None:
    row = service.register(db, settings.data_dir, small_model, version="m-same")
    loaded = load_version(row)
    expected = small_model.classifier().scores(TEXTS)
    np.testing.assert_allclose(loaded.scores(TEXTS), expected, rtol=1e-6)
    assert loaded.thresholds.tolist() == [small_model.thresholds[label] for label in LABELS]


def test_tampered_model_file_is_refused(
    db: Session, settings: Settings, small_model: TrainedModel
) -> None:
    row = service.register(db, settings.data_dir, small_model, version="m-tampered")
    path = Path(row.path)
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(UnsafeModel, match="refusing to load a file that changed"):
        load_version(row)
    path.unlink()
    with pytest.raises(UnsafeModel, match="does not exist"):
        load_version(row)


def _evil(x: object) -> object:
    raise AssertionError("a refused model must never run code")


def test_untrusted_types_are_refused_even_with_a_matching_checksum(
    db: Session, settings: Settings, tmp_path: Path
) -> None:
    # A valid skops file whose checksum is registered, but holding a type outside the list.
    pipe = Pipeline([("f", FunctionTransformer(_evil))])
    path = tmp_path / "evil.skops"
    digest = save_pipeline(pipe, path)
    row = repository.add(db, ModelVersion(version="m-evil", path=str(path), sha256=digest, card={}))
    with pytest.raises(UnsafeModel, match=r"untrusted types: .*_evil"):
        load_version(row)

    # A pickle renamed to .skops is not read at all.
    pkl = tmp_path / "model.skops"
    pkl.write_bytes(pickle.dumps({"x": 1}))
    from classifiers.models.artifact import sha256_file

    with pytest.raises(UnsafeModel, match="not a readable skops archive"):
        load_pipeline(pkl, sha256_file(pkl))


def test_model_card_contents(db: Session, settings: Settings, small_model: TrainedModel) -> None:
    row = service.register(db, settings.data_dir, small_model, version="m-card")
    card = row.card
    on_disk = json.loads(Path(row.path).with_suffix(".card.json").read_text("utf-8"))
    assert on_disk == json.loads(json.dumps(card))
    assert card["version"] == "m-card" and card["sha256"] == row.sha256
    assert card["labels"] == list(LABELS)
    assert set(card["thresholds"]) == set(LABELS)
    assert all(0.0 < t <= 1.0 for t in card["thresholds"].values())
    assert card["target_precision"] == 0.8
    held = card["metrics"]["held_out"]
    cross = card["metrics"]["cross_dataset"]["heldout_posts"]
    for split in (held, cross):
        for label in LABELS:
            m = split["labels"][label]
            assert {"precision", "recall", "f1", "pr_auc", "positives", "n"} <= set(m)
            assert 0.0 <= m["f1"] <= 1.0
        assert 0.0 <= split["any_label_flag_rate"] <= 1.0
    seeds = card["data_sources"]["seeds"]
    assert seeds["rows"] >= 260
    assert all(len(sha) == 64 for sha in seeds["files"].values())
    assert card["versions"]["scikit-learn"] and card["versions"]["sastrawi"] != ""
    assert card["training_seconds"] > 0
    assert card["rows"]["train"] > card["rows"]["test"] > 0
    floors = card["rule_floors"]
    assert set(floors) == set(LABELS)
    for label, check in floors.items():
        assert check["hits"] >= check["true_positives"] >= 0
        if check["trusted"]:
            assert card["thresholds"][label] <= 0.9  # a trusted strong rule flags on its own
    stemming = card["stemming"]
    assert set(stemming["per_label"]) == set(LABELS)
    for label in LABELS:
        assert {"without", "with", "helps"} <= set(stemming["per_label"][label])
    assert stemming["chosen"] in (True, False)
    assert stemming["posts_per_second"]["with"] > 0
