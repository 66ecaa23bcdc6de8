"""Scoring stores each post's uncertainty, the key of the queue's uncertainty mix."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import select

from classifiers.contracts import Classification, Matcher
from monitor.core.runtime import Runtime
from monitor.flows import scoring as tasks
from monitor.posts import service as posts
from monitor.posts.models import Post
from monitor.posts.schemas import PostIn
from monitor.predictions.models import Prediction
from tests.collectors.conftest import TinyClassifier

TEXTS = {
    "money": "tim sukses membagikan amplop berisi uang kepada warga agar memilih calon nomor dua",
    "calm": "petugas membersihkan lokasi tps setelah pemungutan suara selesai dengan tertib",
}


class NothingFlagged(TinyClassifier):
    """The same scores, but a version that flags nothing (as if its thresholds were higher)."""

    def classify(
        self, texts: Sequence[str], matcher: Matcher | None = None
    ) -> list[Classification]:
        """Score like the parent, flag no label."""
        return [
            Classification(labels=[], scores=c.scores, explanation={}, model_version=self.version)
            for c in super().classify(texts, matcher)
        ]


def _stored(rt: Runtime) -> dict[str, tuple[float | None, dict[str, float]]]:
    with rt.session() as s:
        out: dict[str, tuple[float | None, dict[str, float]]] = {}
        for post in s.scalars(select(Post)):
            scores = dict(
                s.execute(
                    select(Prediction.label, Prediction.score).where(
                        Prediction.post_id == post.id,
                        Prediction.model_version == post.model_version,
                    )
                )
                .tuples()
                .all()
            )
            out[post.external_id] = (post.uncertainty, scores)
        return out


def test_scoring_stores_distance_to_threshold_then_disagreement(rt: Runtime) -> None:
    with rt.session() as s:
        posts.ingest(s, [PostIn(platform="rss", external_id=k, text=v) for k, v in TEXTS.items()])
    assert tasks.score_pending(rt, TinyClassifier("tiny-1"), None, worker="w1") == 2
    for external_id, (uncertainty, scores) in _stored(rt).items():
        # No model card: every label is judged against the 0.5 fallback threshold.
        expected = min(abs(score - 0.5) for score in scores.values())
        assert uncertainty == pytest.approx(expected, abs=1e-6), external_id
    # A new version that no longer flags "money": the versions disagree on that post only.
    assert tasks.score_pending(rt, NothingFlagged("tiny-2"), None, worker="w1") == 2
    stored = _stored(rt)
    assert stored["money"][0] == -1.0
    calm_uncertainty, calm_scores = stored["calm"]
    assert calm_uncertainty == pytest.approx(min(abs(v - 0.5) for v in calm_scores.values()))
