"""Classify on arrival on both databases: batches, versions, re-score after promotion."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from monitor.core.base import utcnow
from monitor.core.runtime import Runtime
from monitor.flows import scoring as tasks
from monitor.flows import tasks as flows
from monitor.flows.priority import priority_parts
from monitor.posts import service as posts
from monitor.posts.models import Post
from monitor.posts.schemas import PostIn
from monitor.predictions.models import Prediction
from tests.collectors.conftest import TinyClassifier

TEXTS = {
    "money": "tim sukses membagikan amplop berisi uang kepada warga agar memilih calon nomor dua",
    "calm": "petugas membersihkan lokasi tps setelah pemungutan suara selesai dengan tertib",
    "english": "The commission said that the final count will be announced next week in Jakarta",
}


def _ingest(rt: Runtime) -> None:
    with rt.session() as s:
        posts.ingest(
            s,
            [PostIn(platform="rss", external_id=k, text=v) for k, v in TEXTS.items()]
            + [PostIn(platform="tg", external_id="copy", text=TEXTS["money"])],
        )


def _post(rt: Runtime, external_id: str) -> Post:
    with rt.session() as s:
        post = s.scalar(select(Post).where(Post.external_id == external_id))
        assert post is not None
        return post


def test_scores_indonesian_originals_with_version(rt: Runtime) -> None:
    _ingest(rt)
    clf = TinyClassifier("tiny-1")
    # The scoring flow: predictions stored, then the one priority function per batch.
    assert flows.score_pending(rt, clf, None, worker="w1") == 2  # not English, not the copy
    money, calm = _post(rt, "money"), _post(rt, "calm")
    assert money.flagged and money.labels == ["money_politics"] and money.model_version == "tiny-1"
    assert money.classified_at is not None and money.max_score and money.max_score > 0.5
    with rt.session() as s:
        parts = priority_parts(s, [money.id])[money.id]
    assert parts.score == pytest.approx(money.max_score) and parts.cluster == 0.0
    assert money.priority == pytest.approx(parts.total, abs=1e-3)  # recency moves a little
    assert not calm.flagged and calm.labels == [] and calm.priority == 0.0
    assert money.score_lease_owner is None
    english, copy = _post(rt, "english"), _post(rt, "copy")
    assert english.classified_at is None and english.language == "en"
    assert copy.classified_at is None and copy.duplicate_of_id == money.id
    with rt.session() as s:
        rows = s.execute(
            select(Prediction.label, Prediction.flagged, Prediction.model_version).where(
                Prediction.post_id == money.id
            )
        ).all()
    assert len(rows) == 4 and {r.model_version for r in rows} == {"tiny-1"}
    assert [r.label for r in rows if r.flagged] == ["money_politics"]
    assert tasks.score_pending(rt, clf, None, worker="w1") == 0  # nothing scored twice


def test_promotion_rescores_recent_posts_only(rt: Runtime) -> None:
    _ingest(rt)
    tasks.score_pending(rt, TinyClassifier("tiny-1"), None, worker="w1")
    with rt.session() as s:  # one post is older than the re-score window
        s.execute(
            update(Post)
            .where(Post.external_id == "calm")
            .values(fetched_at=utcnow() - rt.settings.rescore_window - timedelta(days=1))
        )
    assert tasks.score_pending(rt, TinyClassifier("tiny-2"), None, worker="w1") == 1
    assert _post(rt, "money").model_version == "tiny-2"
    assert _post(rt, "calm").model_version == "tiny-1"
    with rt.session() as s:
        versions = s.execute(
            select(Prediction.model_version, func.count()).group_by(Prediction.model_version)
        ).all()
    assert {row[0]: row[1] for row in versions} == {
        "tiny-1": 8,
        "tiny-2": 4,
    }  # history kept per version


def test_leased_posts_are_skipped_and_expired_leases_reclaimed(rt: Runtime) -> None:
    _ingest(rt)
    with rt.session() as s:
        s.execute(
            update(Post)
            .where(Post.external_id == "money")
            .values(
                score_lease_owner="dead-worker",
                score_lease_expires_at=utcnow() + timedelta(minutes=5),
            )
        )
    assert tasks.score_pending(rt, TinyClassifier(), None, worker="w2") == 1
    with rt.session() as s:
        s.execute(
            update(Post)
            .where(Post.external_id == "money")
            .values(score_lease_expires_at=utcnow() - timedelta(seconds=1))
        )
    assert tasks.score_pending(rt, TinyClassifier(), None, worker="w2") == 1


def test_no_promoted_model_leaves_posts_unscored(
    rt: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    _ingest(rt)
    tasks._cache.warned_missing = False
    with caplog.at_level(logging.WARNING):
        assert tasks.score_pending(rt, worker="w1") == 0
    assert "no promoted model" in caplog.text
    assert _post(rt, "money").classified_at is None


def test_classifier_crash_releases_the_batch(rt: Runtime) -> None:
    _ingest(rt)

    class Broken(TinyClassifier):
        def classify(self, texts, matcher=None):  # type: ignore[no-untyped-def]
            raise RuntimeError("model exploded")

    with pytest.raises(RuntimeError):
        tasks.score_pending(rt, Broken(), None, worker="w1")
    assert _post(rt, "money").score_lease_owner is None  # another tick can retry at once
