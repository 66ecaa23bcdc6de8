"""The researchers' API on both databases: reviewer rows, snapshots, reproducibility, the guard."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from classifiers.contracts import LABELS
from classifiers.data.registry import DATASETS, datasets_dir
from classifiers.models.train import TrainedModel
from monitor import research as R
from monitor.audit import repository as audit_repo
from monitor.core.runtime import Runtime
from monitor.modelversions import repository
from monitor.posts.models import Post
from monitor.research import errors, explore
from monitor.research import repository as store
from monitor.reviews.models import Review
from tests.support.seeds.research import link_shared_datasets, seed

PUBLIC = "hoax_pilpres2024_headlines"
OTHER = "ibrohim2019_hs_abusive"


def _config(rows: int = 150) -> R.TrainConfig:
    config = R.TrainConfig.small()
    config.stem = False
    config.datasets = [PUBLIC]
    config.max_rows_per_dataset = rows
    return config


def _train_register(rt: Runtime, version: str, config: R.TrainConfig) -> TrainedModel:
    with rt.session() as s:
        reviews = R.reviewer_examples(s)
    model = R.train(rt.settings.data_dir, config, reviews)
    with rt.session() as s:
        R.register(s, rt.settings.data_dir, model, version=version)
    return model


def test_reviewer_decisions_become_rows_with_review_ids(rt: Runtime) -> None:
    seeded = seed(rt)
    with rt.session() as s:
        # An escalation and a superseded decision are not training rows.
        post = s.get(Post, seeded.post_ids[1])
        assert post is not None
        s.add(Review(post_id=post.id, reviewer_name="x", decision="escalate", labels=[]))
        rows = R.reviewer_examples(s)
        superseded = {r[0] for r in store.reviews(s) if r[5]}
    # The scoring job stores each label's share of the explanation (review page highlights).
    with rt.session() as s:
        flagged = [r for r in store.predictions(s) if r[3]]
    assert flagged and all(r[5].get("top_ngrams") or r[5].get("rules") for r in flagged)
    for r in flagged:
        assert all(rule["label"] == r[1] for rule in r[5].get("rules", []))
    ids = [int(ex.meta["review_id"]) for ex in rows]
    assert ids == sorted(seeded.review_ids)
    assert not superseded & set(ids)
    for ex in rows:
        values = set(ex.labels.values())
        if ex.labels["hoax"] == 0 and values == {0}:
            continue  # a dismissal: a hard negative for every label
        assert 1 in values and 0 not in values  # confirmed labels 1, the rest not assessed
        assert ex.meta["province"] in {"31", "32", "35", "15"}


def test_card_records_snapshot_and_retraining_reproduces_metrics(
    rt: Runtime, shared_data: Path
) -> None:
    seeded = seed(rt)
    # Two datasets and "every fetched one": the order they were concatenated in matters.
    link_shared_datasets(rt.settings.data_dir, [PUBLIC, OTHER])
    config = _config(100)
    config.datasets = None
    model = _train_register(rt, "m-new", config)
    snap = model.card["snapshot"]
    assert snap["review_ids"], "reviewer decisions must be part of the training data"
    assert set(snap["review_ids"]) <= set(seeded.review_ids)
    want = {n: {f.name: f.sha256 for f in DATASETS[n].files} for n in (PUBLIC, OTHER)}
    assert snap["datasets"] == want
    assert snap["seed_files"] and snap["random_seed"] == 0 and snap["split_salt"] == "waspada"
    with rt.session() as s:
        stored = R.card(s, "m-new")
    assert stored["snapshot"] == snap and stored["version"] == "m-new"

    # A decision made after training is not part of that version's snapshot.
    with rt.session() as s:
        s.add(
            Review(
                post_id=seeded.post_ids[2],
                reviewer_name="late",
                decision="dismiss",
                labels=[],
            )
        )
    with rt.session() as s:
        again = R.reproduce(s, rt.settings.data_dir, "m-new")
    assert again.card["snapshot"] == snap
    assert again.thresholds == model.thresholds
    assert again.card["metrics"] == model.card["metrics"]
    assert again.card["fingerprint"] == model.card["fingerprint"]


def test_changed_dataset_file_refuses_to_reproduce(rt: Runtime, shared_data: Path) -> None:
    seed(rt)
    folder = DATASETS[PUBLIC].folder(rt.settings.data_dir)
    shutil.copytree(shared_data / PUBLIC, folder)
    _train_register(rt, "m-copy", _config(100))
    csv = folder / "data_berita.csv"
    csv.write_bytes(csv.read_bytes() + b"Tambahan judul,https://example.id/x,2023-10-01,False\n")
    with rt.session() as s, pytest.raises(R.SnapshotMismatch, match=r"data_berita\.csv"):
        R.reproduce(s, rt.settings.data_dir, "m-copy")
    shutil.rmtree(datasets_dir(rt.settings.data_dir))
    with rt.session() as s, pytest.raises(R.SnapshotMismatch, match="datasets fetch"):
        R.reproduce(s, rt.settings.data_dir, "m-copy")


def _clone(model: TrainedModel, thresholds: dict[str, float]) -> TrainedModel:
    return TrainedModel(model.pipeline, thresholds, dict(model.card))


def test_promotion_that_cuts_precision_is_refused(rt: Runtime, shared_data: Path) -> None:
    seed(rt)
    link_shared_datasets(rt.settings.data_dir, [PUBLIC])
    good = _train_register(rt, "m-good", _config())
    with rt.session() as s:
        R.promote(s, rt.settings.data_dir, "m-good", None, actor="test")
    # The same pipeline with every threshold at 0 flags everything: precision falls to the
    # share of positives, which the guard must catch.
    loose = _clone(good, dict.fromkeys(LABELS, 0.0))
    same = _clone(good, good.thresholds)
    with rt.session() as s:
        R.register(s, rt.settings.data_dir, loose, version="m-loose")
        R.register(s, rt.settings.data_dir, same, version="m-same")
    margin = rt.settings.promotion_max_precision_drop
    with rt.session() as s, pytest.raises(R.PromotionRefused) as refused:
        R.promote(s, rt.settings.data_dir, "m-loose", margin)
    message = str(refused.value)
    assert "refusing to promote m-loose" in message
    assert "precision at threshold would drop" in message and "m-good" in message
    verdict = refused.value.check
    assert verdict is not None and verdict.drops and not verdict.ok
    # Labels with too few held-out positives are reported, not judged (precision is noise).
    with rt.session() as s:
        held = R.rebuild(s, rt.settings.data_dir, R.card(s, "m-loose")).test
        a, b = R.load(s, "m-good"), R.load(s, "m-loose")
    thin = R.check(a, b, held, margin, min_positives=10**6)
    assert thin.ok and thin.unjudged and "not judged, too few held-out positives" in thin.message()
    with rt.session() as s:
        assert repository.promoted(s).version == "m-good"  # type: ignore[union-attr]
    for row in verdict.drops:
        assert row["label"] in message
        assert row["precision_a"] - row["precision_b"] > margin

    # A version that keeps precision passes the same guard and is promoted, audited.
    with rt.session() as s:
        ok = R.promote(s, rt.settings.data_dir, "m-same", margin, actor="researcher:test")
        assert ok.ok and ok.current == "m-good" and ok.n > 0
        assert repository.promoted(s).version == "m-same"  # type: ignore[union-attr]
        events = audit_repo.for_entity(s, "model", "m-same")
        assert any(
            e.action == "model.promotion_check" and not (e.after or {})["forced"] for e in events
        )

    # Forcing is possible, and the override is on the audit trail.
    with rt.session() as s:
        R.promote(s, rt.settings.data_dir, "m-loose", margin, actor="researcher:test", force=True)
        assert repository.promoted(s).version == "m-loose"  # type: ignore[union-attr]
        events = audit_repo.for_entity(s, "model", "m-loose")
        assert any(
            e.action == "model.promotion_check" and (e.after or {})["forced"] for e in events
        )


def test_promotion_without_a_rebuildable_snapshot_is_refused(rt: Runtime) -> None:
    seeded = seed(rt)
    config = _config()
    config.datasets = []
    model = _train_register(rt, "m-cand", config)
    gone = _clone(model, model.thresholds)
    gone.card = {**model.card, "snapshot": {**model.card["snapshot"], "review_ids": [10**9]}}
    old = _clone(model, model.thresholds)
    old.card = {k: v for k, v in model.card.items() if k != "snapshot"}
    with rt.session() as s:
        R.register(s, rt.settings.data_dir, gone, version="m-gone")
        R.register(s, rt.settings.data_dir, old, version="m-old")
    margin = rt.settings.promotion_max_precision_drop
    with rt.session() as s, pytest.raises(R.PromotionRefused, match="not in this database"):
        R.promote(s, rt.settings.data_dir, "m-gone", margin)
    with rt.session() as s, pytest.raises(R.PromotionRefused, match="no data snapshot"):
        R.promote(s, rt.settings.data_dir, "m-old", margin)
    with rt.session() as s, pytest.raises(R.ModelNotFound):
        R.promote(s, rt.settings.data_dir, "m-missing", margin)
    with rt.session() as s:
        assert repository.promoted(s).version == seeded.base_version  # type: ignore[union-attr]


def test_check_rejects_a_negative_margin(rt: Runtime) -> None:
    seed(rt)
    with rt.session() as s:
        base = R.promoted(s)
        assert base is not None
        rows = R.reviewer_examples(s)
    with pytest.raises(ValueError, match="max_drop"):
        R.check(base, base, rows, -0.1)
    same = R.check(base, base, rows, 0.0)
    assert same.ok and {r["label"] for r in same.rows} <= set(LABELS)


def test_the_notebooks_reads_agree_with_the_seed(rt: Runtime) -> None:
    """Every query the three notebooks run, on both databases (the notebooks run on SQLite)."""
    seeded = seed(rt)
    with rt.session() as s:
        posts = explore.posts_table(s)
        names = store.region_names(s)
        agreement = explore.reviewer_agreement(s)
        versus = explore.model_vs_reviewers(s)
        predictions = store.predictions(s, seeded.base_version)
        rejected = errors.false_positives(s, names)
    assert sorted(p["id"] for p in posts) == sorted(seeded.post_ids)  # 76 posts, each once
    assert all(p["model_version"] == seeded.base_version and p["provinces"] for p in posts)
    assert set(names.values()) == {"Jambi", "DKI Jakarta", "Jawa Barat", "Jawa Timur"}
    by_region = explore.region_counts(posts, names)
    assert set(by_region) == set(names.values()) and sum(by_region.values()) >= len(posts)
    # The seed's reviews: 45 posts reviewed, 12 of them by two reviewers.
    assert (agreement["posts_reviewed"], agreement["posts_with_two_reviewers"]) == (45, 12)
    assert 0 <= agreement["decision_agreement"] <= 1 and "cohen_kappa" in agreement
    assert [row["label"] for row in versus] == list(LABELS)
    assert all(r["confirmed"] + r["rejected"] == r["reviewed_flags"] for r in versus)
    assert len(predictions) == len(posts) * len(LABELS)
    assert {p[1] for p in predictions} == set(LABELS)
    # A rejected flag is a dismissal, or a label the confirming reviewer left out.
    dismissed = {r["post_id"] for r in rejected if r["decision"] == "dismiss"}
    assert rejected and dismissed and {r["province"] for r in rejected} <= set(names.values())
    assert sum(r["n"] for r in errors.count_by(rejected, "province", "label")) == len(rejected)
