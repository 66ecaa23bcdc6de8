"""Reviewer labels win in region figures and the ranking (issue 14), on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from monitor.clusters.models import Cluster
from monitor.core.base import utcnow
from monitor.desk import figures
from monitor.desk.detail import cluster_summary
from monitor.keys import service as keys
from monitor.keys.principal import Principal
from monitor.keys.service import principal_of
from monitor.reviews import service as reviews
from monitor.reviews.schemas import DecisionIn
from tests.regions.seed import load, post

# One regions load per session (tests/conftest.py::regions_engine), not one per test.
pytestmark = pytest.mark.regions


def _liaison(db: Session) -> Principal:
    return principal_of(keys.create_key(db, "penghubung-jambi", "liaison", ["15"])[0])


def test_relabel_and_dismissal_change_summary_and_ranking(db: Session) -> None:
    load(db)
    now = utcnow()
    ids = [
        post(
            db,
            f"Hoaks surat suara tercoblos di Kabupaten Muaro Jambi {i}",
            flagged=True,
            labels=["hoax"],
            at=now - timedelta(hours=i + 1),
        ).id
        for i in range(5)
    ]
    # The model missed this one; a reviewer confirms it as SARA.
    missed = post(db, "Jangan pilih calon dari suku itu, Muaro Jambi", at=now - timedelta(hours=2))
    liaison = _liaison(db)
    period = figures.Period(since=now - timedelta(days=7), until=now + timedelta(minutes=1))
    before = figures.summary(db, liaison, "15", period)
    assert before["labels"]["hoax"]["flagged"] == 5
    assert before["labels"]["money_politics"]["flagged"] == 0
    assert before["label_source"] == {"reviewer": 0, "model": 5}

    rev = principal_of(keys.create_key(db, "peninjau", "reviewer", [])[0])
    reviews.decide(db, rev, ids[0], DecisionIn(action="confirm", labels=["money_politics"]))
    reviews.decide(db, rev, ids[1], DecisionIn(action="confirm"))  # keeps the model's label
    reviews.decide(db, rev, ids[2], DecisionIn(action="dismiss", reason="satire"))
    reviews.decide(db, rev, missed.id, DecisionIn(action="confirm", labels=["identity_politics"]))

    after = figures.summary(db, liaison, "15", period)
    assert after["flagged"] == 5  # 5 - 1 dismissed + 1 the model missed
    hoax, mp = after["labels"]["hoax"], after["labels"]["money_politics"]
    assert (hoax["flagged"], hoax["confirmed"], hoax["dismissed"]) == (3, 1, 1)
    assert (hoax["reviewer"], hoax["model"]) == (1, 2)
    assert (mp["flagged"], mp["confirmed"], mp["reviewer"]) == (1, 1, 1)
    assert after["labels"]["identity_politics"]["confirmed"] == 1
    assert after["label_source"] == {"reviewer": 3, "model": 2}

    [jambi] = [r for r in figures.ranking(db, liaison, "province", period) if r["code"] == "15"]
    assert jambi["confirmed"] == {"money_politics": 1, "hoax": 1, "identity_politics": 1}
    assert jambi["flagged"] == 5


def test_liaison_sees_the_growth_of_their_copies_not_zero(db: Session) -> None:
    load(db)
    now = utcnow()
    cluster = Cluster(size=7, n_regions=1, growth_rate=7.0)
    db.add(cluster)
    db.flush()
    # Seven copies in Muaro Jambi within the last hour: 7 copies/hour.
    copies = [
        post(
            db,
            f"Amplop serangan fajar di Kabupaten Muaro Jambi salinan {i}",
            flagged=True,
            labels=["money_politics"],
            at=now - timedelta(minutes=55 - 9 * i),
            cluster_id=cluster.id,
        )
        for i in range(7)
    ]
    summary = cluster_summary(db, _liaison(db), copies[0])
    assert summary is not None and summary.growth_rate == 7.0
