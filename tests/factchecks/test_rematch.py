"""A new debunk meets the posts already scored in the recent window, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.core.settings import Settings
from monitor.factchecks import service
from monitor.factchecks.rematch import rematch
from monitor.factchecks.schemas import parse_record
from monitor.flows.debunks import rematch_debunks
from monitor.flows.priority import priority_parts
from monitor.predictions.models import Prediction
from tests.factchecks.cases import CLAIMS, DEBUNKS, NEWS
from tests.factchecks.scored import scored_post


@pytest.fixture(autouse=True)
def _no_cached_matchers() -> Iterator[None]:
    service.invalidate_matchers()
    yield
    service.invalidate_matchers()


def test_a_post_scored_before_the_import_gets_its_debunk(db: Session, settings: Settings) -> None:
    by_id = {d["id"]: d for d in DEBUNKS}
    claim, want = CLAIMS[0]
    target = by_id[want.split(":", 1)[1]]
    recent = scored_post(db, "p-recent", claim, timedelta(minutes=5))
    old = scored_post(db, "p-old", claim, settings.factcheck_rematch_window + timedelta(days=1))
    news = scored_post(db, "p-news", NEWS[0], timedelta(minutes=5))
    # The base already holds other debunks (imported days ago); today's file adds the target.
    service.import_records(db, [parse_record(d) for d in DEBUNKS if d is not target])
    counts = service.import_records(db, [parse_record(target)])
    report = rematch_debunks(db, settings, counts.changed_ids)
    assert report.posts_checked == 2 and report.posts_matched == 1 and report.newly_flagged == 1
    assert report.touched == [recent.id]
    db.expire_all()
    assert recent.flagged and recent.labels == ["hoax"] and recent.priority > 0.2
    # The flow wrote it with the one priority function (rematch itself writes none).
    assert recent.priority == priority_parts(db, [recent.id])[recent.id].total
    assert not old.flagged and not news.flagged
    hoax = db.scalars(
        select(Prediction).where(Prediction.post_id == recent.id, Prediction.label == "hoax")
    ).one()
    assert hoax.flagged and hoax.explanation["factcheck"]["id"] == want
    assert hoax.explanation["factcheck"]["publisher"] == target["publisher"]
    assert hoax.explanation["signal"]["fired"] == ["debunk_match"]
    assert hoax.explanation["signal"]["debunk"]["title"] == target["title"]
    assert hoax.explanation["rules"] == []  # what the scoring job wrote is kept
    # Importing the same file again changes nothing and matches nothing new.
    again = service.import_records(db, [parse_record(target)])
    assert again.changed_ids == [] and rematch(db, settings, again.changed_ids).posts_checked == 0


def test_an_unrelated_debunk_flags_nothing(db: Session, settings: Settings) -> None:
    posts = [scored_post(db, f"n-{i}", text, timedelta(hours=1)) for i, text in enumerate(NEWS)]
    counts = service.import_records(db, [parse_record(d) for d in DEBUNKS])
    report = rematch(db, settings, counts.changed_ids)
    assert report.posts_checked == len(NEWS) and report.posts_matched == 0
    db.expire_all()
    assert not any(p.flagged for p in posts)


def test_rematch_alone_leaves_priority_to_the_flow(db: Session, settings: Settings) -> None:
    claim, _ = CLAIMS[0]
    post = scored_post(db, "p-alone", claim, timedelta(minutes=5))
    counts = service.import_records(db, [parse_record(d) for d in DEBUNKS])
    report = rematch(db, settings, counts.changed_ids)
    db.flush()
    db.expire_all()
    assert report.touched == [post.id] and post.flagged and post.priority == 0.0
