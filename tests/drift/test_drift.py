"""Drift watch on both databases: a real model, real scoring, an unshifted and a shifted day."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from classifiers.contracts import LABELS
from classifiers.data.corpus import load_seeds
from classifiers.drift import bin_edges, ks_binned, proportions, psi, score_profile
from classifiers.models.train import TrainConfig, train
from monitor.alerts.models import Alert, Delivery, Subscription
from monitor.core.base import utcnow
from monitor.core.runtime import Runtime
from monitor.drift import service
from monitor.drift.tasks import drift_job
from monitor.flows.scoring import score_pending
from monitor.modelversions import repository
from monitor.modelversions import service as models
from monitor.posts.models import Post
from monitor.research.data import rebuild
from monitor.research.promote import promote
from tests.support.seeds.research import models_loaded

BOUNDS = service.Bounds(psi=0.25, flag_rate=0.10, min_posts=20, window=timedelta(days=1))


def test_statistics_on_known_distributions() -> None:
    rng = np.random.default_rng(1)
    ref = rng.beta(1, 8, 5000)
    edges = bin_edges(ref)
    base = proportions(ref, edges)
    assert len(base) == len(edges) + 1 and abs(sum(base) - 1) < 1e-4
    same = proportions(rng.beta(1, 8, 5000), edges)
    moved = proportions(rng.beta(4, 4, 5000), edges)
    assert psi(base, same) < 0.05 and ks_binned(base, same) < 0.05
    assert psi(base, moved) > 1.0 and ks_binned(base, moved) > 0.5
    # Degenerate references still get a usable bin and never divide by zero.
    assert bin_edges(np.zeros(10)) == [0.5]
    assert psi([1.0, 0.0], [0.0, 1.0]) > 10
    profile = score_profile(np.column_stack([ref] * len(LABELS)), dict.fromkeys(LABELS, 0.5))
    assert profile["n"] == 5000 and set(profile["labels"]) == set(LABELS)
    assert profile["labels"]["hoax"]["flag_rate"] == pytest.approx(float((ref >= 0.5).mean()))


def _model(rt: Runtime) -> str:
    config = TrainConfig.small()
    config.stem = False
    model = train(rt.settings.data_dir, config)
    with rt.session() as s:
        row = models.register(s, rt.settings.data_dir, model, version="m-drift")
        promote(s, rt.settings.data_dir, row.version, None, actor="test")
    return "m-drift"


def _store_day(rt: Runtime, texts: list[str], tag: str, hours_ago: float = 3) -> None:
    now = utcnow()
    with rt.session() as s:
        for i, text in enumerate(texts):
            s.add(
                Post(
                    platform="rss",
                    external_id=f"{tag}-{i}",
                    text=text,
                    language="id",
                    fetched_at=now - timedelta(hours=hours_ago, minutes=i),
                    content_hash=hashlib.sha256(f"{tag}{i}{text}".encode()).hexdigest(),
                )
            )
    score_pending(rt, classifier=models_loaded(rt, "m-drift"), matcher=None)


def _validation_texts(rt: Runtime, version: str) -> list[str]:
    with rt.session() as s:
        row = repository.get(s, version)
        assert row is not None
        return [ex.text for ex in rebuild(s, rt.settings.data_dir, row.card).validation]


def test_unshifted_day_raises_nothing(rt: Runtime) -> None:
    version = _model(rt)
    # The model's own validation texts, collected today: the same distribution exactly.
    _store_day(rt, _validation_texts(rt, version), "same")
    with rt.session() as s:
        report = service.watch(s, BOUNDS, utcnow())
        assert report.status == "measured" and report.model_version == version
        assert [d.label for d in report.labels] == list(LABELS)
        for d in report.labels:
            # Stored scores are rounded to 4 places, so a few land in a neighbouring bin.
            assert d.psi is not None and d.psi < 0.1 and not d.shifted, d
            assert d.flag_rate == pytest.approx(d.reference_flag_rate, abs=0.01)
        assert report.alerts_raised == 0
        assert s.scalar(select(func.count()).select_from(Alert)) == 0


def test_shifted_day_raises_one_alert_per_label_and_delivers(rt: Runtime) -> None:
    version = _model(rt)
    with rt.session() as s:
        s.add(
            Subscription(
                name="model ops",
                channel="webhook",
                target="http://127.0.0.1:9/hook",
                secret="s3cret",
                rules=["score_drift"],
            )
        )
    # A day of nothing but vote-buying chatter: money_politics scores and flags jump.
    money = [ex.text for ex in load_seeds() if ex.labels.get("money_politics") == 1]
    _store_day(rt, money, "money")
    # Yesterday's posts are outside the window and change nothing.
    _store_day(rt, _validation_texts(rt, version), "old", hours_ago=30)
    # The job reads its bounds from settings; this day has fewer posts than the default minimum.
    job_rt = Runtime(
        settings=rt.settings.model_copy(update={"drift_min_posts": 20}),
        engine=rt.engine,
        factory=rt.factory,
    )
    report = drift_job(job_rt)
    assert report.status == "measured"
    shifted = {d.label: d for d in report.shifted}
    assert "money_politics" in shifted
    mp = shifted["money_politics"]
    assert mp.n == len(money) and mp.psi is not None and mp.psi > BOUNDS.psi
    assert mp.flag_rate is not None and mp.flag_rate > mp.reference_flag_rate + 0.10
    assert report.alerts_raised == len(shifted)
    with rt.session() as s:
        alerts = s.scalars(select(Alert).where(Alert.rule == "score_drift")).all()
        assert {a.label for a in alerts} == set(shifted)
        alert = next(a for a in alerts if a.label == "money_politics")
        assert alert.region_code is None
        assert alert.payload["model_version"] == version
        assert "money_politics" in alert.summary and "PSI" in alert.summary
        deliveries = s.scalars(select(Delivery).where(Delivery.alert_id == alert.id)).all()
        assert len(deliveries) == 1 and deliveries[0].status == "pending"
    # The hourly job runs again the same day: the alert is updated, not raised twice.
    again = drift_job(job_rt)
    assert again.alerts_raised == 0 and {d.label for d in again.shifted} == set(shifted)
    with rt.session() as s:
        n = s.scalar(select(func.count()).select_from(Alert).where(Alert.rule == "score_drift"))
        assert n == len(shifted)


def test_skips_with_a_reason(rt: Runtime) -> None:
    with rt.session() as s:
        assert service.watch(s, BOUNDS, utcnow()).status == "no_model"
    _model(rt)
    _store_day(rt, ["Harga cabai naik di pasar pagi ini"] * 3, "few")
    with rt.session() as s:
        report = service.watch(s, BOUNDS, utcnow())
        assert report.status == "too_few_posts" and "fewer than 20" in report.message
        row = repository.get(s, "m-drift")
        assert row is not None
        row.card = {k: v for k, v in row.card.items() if k != "validation_profile"}
        s.flush()
        report = service.watch(s, BOUNDS, utcnow())
        assert report.status == "no_profile" and "retrain" in report.message


def test_cli_check_reports_and_exits_3_when_shifted(
    fresh_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor.cli.main import app
    from monitor.core.db import make_engine
    from monitor.core.runtime import runtime_for_engine
    from monitor.core.settings import load_settings

    monkeypatch.setenv("WASPADA_DATABASE_URL", fresh_db_url)
    monkeypatch.setenv("WASPADA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WASPADA_DRIFT_MIN_POSTS", "20")
    engine = make_engine(fresh_db_url)
    rt = runtime_for_engine(load_settings(), engine)
    try:
        _model(rt)
        money = [ex.text for ex in load_seeds() if ex.labels.get("money_politics") == 1]
        _store_day(rt, money, "money")
    finally:
        engine.dispose()
    runner = CliRunner()
    result = runner.invoke(app, ["drift", "check", "--json"])
    assert result.exit_code == 3, result.output
    body = json.loads(result.output)
    assert body["status"] == "measured" and body["alerts_raised"] == 0
    assert any(d["label"] == "money_politics" and d["shifted"] for d in body["labels"])
    result = runner.invoke(app, ["drift", "check", "--alert"])
    assert result.exit_code == 3 and "SHIFTED" in result.output
    assert "alerts raised: " in result.output
    result = runner.invoke(app, ["drift", "check", "--at", "yesterday"])
    assert result.exit_code == 2 and "ISO 8601" in result.output


def test_registered_as_a_scheduled_job(rt: Runtime) -> None:
    from monitor.scheduler.jobs import default_jobs

    jobs = {job.name: job for job in default_jobs(rt)}
    assert jobs["drift-watch"].body is drift_job
    assert jobs["drift-watch"].seconds == rt.settings.drift_interval.total_seconds() == 3600


@pytest.mark.parametrize(
    ("env", "value"),
    [
        ("WASPADA_DRIFT_PSI_BOUND", "0"),
        ("WASPADA_DRIFT_FLAG_RATE_BOUND", "1.5"),
        ("WASPADA_DRIFT_MIN_POSTS", "0"),
        ("WASPADA_DRIFT_WINDOW", "a day"),
        ("WASPADA_PROMOTION_MAX_PRECISION_DROP", "-0.1"),
    ],
)
def test_bad_bounds_are_refused_naming_the_variable(
    env: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from monitor.core.settings import SettingsError, load_settings

    monkeypatch.setenv(env, value)
    with pytest.raises(SettingsError, match=env):
        load_settings()
