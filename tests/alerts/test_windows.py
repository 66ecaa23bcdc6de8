"""Sliding spike windows by publication time, and reviewers' labels in every alert (issue 14)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from monitor.alerts import repository, service
from monitor.alerts.rules import RuleConfig, reviewed_items, volume_spikes
from monitor.core.base import utcnow
from monitor.keys import service as keys
from monitor.keys.principal import SYSTEM, Principal
from monitor.keys.service import principal_of
from monitor.posts.models import Post
from monitor.reviews import service as reviews
from monitor.reviews.schemas import DecisionIn
from tests.alerts.seed import load, post

# One regions load per session (tests/conftest.py::regions_engine), not one per test.
pytestmark = pytest.mark.regions

MP = ["money_politics"]


def _evening() -> datetime:
    """21:00 UTC yesterday (the issue's clock): fixed minutes, any day."""
    d = utcnow().date() - timedelta(days=1)
    return datetime(d.year, d.month, d.day, 21, tzinfo=UTC)


def _muaro_jambi(
    db: Session, published: datetime, fetched: datetime, i: int, labels: list[str] = MP
) -> Post:
    p = post(db, f"Amplop Rp50 ribu dibagi di Kabupaten Muaro Jambi ({i})", flagged=True,
             labels=labels, at=fetched)  # fmt: skip
    p.published_at = published
    db.flush()
    return p


def _spike_alerts(db: Session) -> list[tuple[str, str | None, int]]:
    rows = repository.list_alerts(
        db, SYSTEM, status=None, region=None, rule="volume_spike", limit=50, before_id=None
    )
    return [(a.region_code or "", a.label, int(a.payload["count"])) for a in rows]


def test_late_burst_alerts_once(db: Session) -> None:
    load(db)
    nine = _evening()
    # 12 flagged posts published 21:23-21:58, all collected at 22:13 (a slow source).
    collected = nine + timedelta(hours=1, minutes=13)
    ids = [
        _muaro_jambi(db, nine + timedelta(minutes=23 + 3 * i), collected, i).id for i in range(12)
    ]
    # Only the kabupaten fires (the province alert is withheld for the same burst).
    assert [d.region_code for d in volume_spikes(db, collected, RuleConfig())] == ["15.05"]
    first = service.evaluate(db, collected, rules=("volume_spike",))
    assert first.raised == 1
    # Later runs see the same burst: no second alert.
    for minutes in (5, 20, 45, 70):
        again = service.evaluate(
            db, collected + timedelta(minutes=minutes), rules=("volume_spike",)
        )
        assert again.raised == 0, minutes
    [(region, label, count)] = _spike_alerts(db)
    assert region.startswith("15.") and label == "money_politics" and count == 12
    alert = repository.list_alerts(
        db, SYSTEM, status=None, region=None, rule=None, limit=1, before_id=None
    )[0]
    assert set(alert.payload["post_ids"]) == set(ids)
    # Published 21:23 UTC is 04:23 WIB the next day; the text names the region, not its code.
    assert "04:23 WIB" in alert.summary and "Muaro Jambi" in alert.summary
    assert region not in alert.summary


def test_burst_crossing_an_hour_boundary_alerts_once(db: Session) -> None:
    load(db)
    nine = _evening()
    # Four posts before 22:00 and four after: no clock hour holds the five a spike needs.
    times = [nine + timedelta(minutes=m) for m in (48, 51, 54, 57, 62, 65, 68, 71)]
    for i, at in enumerate(times):
        _muaro_jambi(db, at, at, i)
    raised = 0
    for minutes in (58, 66, 72, 80, 95, 130):  # the scheduler's runs, 21:58 to 23:10
        now = nine + timedelta(minutes=minutes)
        raised += service.evaluate(db, now, rules=("volume_spike",)).raised
    assert raised == 1
    [(_region, _label, count)] = _spike_alerts(db)
    assert count == 8  # later runs updated the one alert to the whole burst


def test_old_burst_collected_on_time_is_not_raised_later(db: Session) -> None:
    load(db)
    nine = _evening()
    for i in range(8):
        at = nine + timedelta(minutes=5 * i)
        _muaro_jambi(db, at, at, i)
    # Evaluated for the first time three hours later: judged when it arrived, not now.
    assert service.evaluate(db, nine + timedelta(hours=4), rules=("volume_spike",)).raised == 0


def _reviewer(db: Session) -> Principal:
    key, _ = keys.create_key(db, "peninjau-1", "reviewer", [])
    return principal_of(key)


def test_relabel_and_dismiss_change_the_spike_and_its_text(db: Session) -> None:
    load(db)
    nine = _evening()
    now = nine + timedelta(minutes=50)
    posts = [
        _muaro_jambi(
            db, nine + timedelta(minutes=5 + i), nine + timedelta(minutes=5 + i), i, labels=["hoax"]
        )
        for i in range(10)
    ]
    rev = _reviewer(db)
    # The reviewer says four are money politics, not hoaxes; two are not election content.
    for p in posts[:4]:
        reviews.decide(db, rev, p.id, DecisionIn(action="confirm", labels=["money_politics"]))
    for p in posts[4:6]:
        reviews.decide(db, rev, p.id, DecisionIn(action="dismiss", reason="not_election"))
    drafts = {d.label: d for d in volume_spikes(db, now, RuleConfig(min_count=4))}
    assert set(drafts) == {"hoax", "money_politics"}
    assert drafts["hoax"].payload["count"] == 4  # 10 - 4 relabelled - 2 dismissed
    assert drafts["money_politics"].payload["count"] == 4
    assert "4 dikonfirmasi peninjau, 0 dari model" in drafts["money_politics"].summary
    assert "Politik uang" in drafts["money_politics"].summary
    assert "0 dikonfirmasi peninjau, 4 dari model" in drafts["hoax"].summary
    assert "Hoaks" in drafts["hoax"].summary


def test_reviewed_item_alert_uses_the_reviewers_label(db: Session) -> None:
    load(db)
    now = utcnow()
    # The model flagged it without a label it was sure of; the reviewer confirmed SARA.
    p = post(db, "Jangan pilih calon dari suku itu di Kabupaten Muaro Jambi", flagged=True,
             labels=[], at=now - timedelta(minutes=3))  # fmt: skip
    rev = _reviewer(db)
    reviews.decide(db, rev, p.id, DecisionIn(action="confirm", labels=["identity_politics"]))
    drafts = reviewed_items(db, utcnow() + timedelta(seconds=1), RuleConfig())
    assert {d.label for d in drafts} == {"identity_politics"}
    [draft] = drafts
    assert "Politik identitas (SARA)" in draft.summary and "Muaro Jambi" in draft.summary
    assert "unlabelled" not in draft.summary and draft.region_code not in draft.summary
    alert, _ = service.raise_alert(db, draft, utcnow())
    msg = service.message_for(alert)
    assert "Politik identitas (SARA)" in msg.text and "Muaro Jambi" in msg.subject
    assert msg.payload["label_source"] == {"reviewer": 1, "model": 0}
