"""Promotion refuses a model that floods held-out news or hard negatives, on every path."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session

from classifiers.contracts import LABELS
from classifiers.data.corpus import Example
from classifiers.data.news import parse_indosum
from classifiers.models.checks import (
    budget_threshold,
    flood_problems,
    news_budget_thresholds,
    production_report,
)
from classifiers.models.train import TrainedModel
from monitor import research
from monitor.audit import service as audit
from monitor.core.settings import Settings
from monitor.modelversions import repository, service
from monitor.modelversions.report import production_lines

HELD = ("news:indosum:kumparan", "news:indosum:merdeka")


_CACHE: dict[str, list[Example]] = {}


@pytest.fixture
def heldout_articles(shared_data: Path) -> list[Example]:
    """Real articles of two whole IndoSum outlets (the kind the model never trains on)."""
    if "rows" not in _CACHE:  # parsed once per session: IndoSum takes seconds
        rows = [ex for ex in parse_indosum(shared_data / "indosum2018_news") if ex.source in HELD]
        _CACHE["rows"] = [ex for ex in rows if ex.source == HELD[0]][:150] + [
            ex for ex in rows if ex.source == HELD[1]
        ][:150]
    return _CACHE["rows"]


def _with_thresholds(model: TrainedModel, value: float, articles: list[Example]) -> TrainedModel:
    flooding = TrainedModel(
        copy.deepcopy(model.pipeline), dict.fromkeys(LABELS, value), copy.deepcopy(model.card)
    )
    report = production_report(flooding.classifier(), [], articles, per_outlet=None)
    flooding.card["metrics"]["production"] = report
    return flooding


def test_model_flooding_heldout_news_is_refused_on_every_path(
    db: Session,
    settings: Settings,
    small_model: TrainedModel,
    heldout_articles: list[Example],
) -> None:
    # Threshold 0 flags every article: a real measurement of a model that floods the queue.
    flooding = _with_thresholds(small_model, 0.0, heldout_articles)
    guard = flooding.card["metrics"]["production"]["guard"]
    assert guard["heldout_news_flag_rate"] == 1.0
    assert guard["hard_negative_flag_rate"] == 1.0
    service.register(db, settings.data_dir, flooding, version="m-floods")

    with pytest.raises(research.PromotionRefused) as refused:
        research.promote(db, settings.data_dir, "m-floods", 0.02, actor="tester")
    message = str(refused.value)
    assert "100.0% of held-out news" in message and "limit 5%" in message
    assert "hard-negative" in message and "limit 10%" in message
    with pytest.raises(research.ModelFloods, match="held-out news"):
        research.promote(db, settings.data_dir, "m-floods", None, actor="system:default-model")
    assert repository.promoted(db) is None

    # The override exists, and it is audited with the figures.
    research.promote(db, settings.data_dir, "m-floods", 0.02, actor="tester", force=True)
    assert repository.promoted(db).version == "m-floods"  # type: ignore[union-attr]
    actions = [e.action for e in audit.events_for(db, "model", "m-floods")]
    assert "model.flood_guard_overridden" in actions


def test_quiet_model_passes_and_table_is_readable(
    db: Session,
    settings: Settings,
    small_model: TrainedModel,
    heldout_articles: list[Example],
) -> None:
    quiet = _with_thresholds(small_model, 1.0, heldout_articles)
    report = quiet.card["metrics"]["production"]
    assert report["heldout_news"]["any_label_flag_rate"] == 0.0
    assert set(report["heldout_news"]["per_outlet"]) == set(HELD)
    service.register(db, settings.data_dir, quiet, version="m-quiet")
    research.promote(db, settings.data_dir, "m-quiet", None, actor="tester")
    lines = "\n".join(production_lines(report))
    assert "news:indosum:kumparan" in lines and "ALL (pooled)" in lines
    assert "hard negatives flagged" in lines


def test_budget_thresholds_keep_each_label_within_its_share() -> None:
    rng = np.random.default_rng(0)
    scores = rng.random((1000, len(LABELS)))
    t = news_budget_thresholds(scores, 0.03)
    rates = [(scores[:, j] >= t[label]).mean() for j, label in enumerate(LABELS)]
    assert rates[LABELS.index("hoax")] <= 0.015
    assert (scores >= np.array([t[label] for label in LABELS])).any(axis=1).mean() <= 0.03
    assert budget_threshold(np.array([]), 0.03) == 0.0
    assert budget_threshold(np.array([0.2, 0.9]), 1.0) == 0.0
    assert flood_problems({"heldout_news_flag_rate": None, "hard_negative_flag_rate": None}) == []
