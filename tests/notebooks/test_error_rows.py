"""Error analysis keeps every dismissal, even after a newer model stopped flagging the post."""

from __future__ import annotations

from sqlalchemy.orm import Session

from monitor.predictions.models import Prediction
from monitor.research.errors import NOT_FLAGGED, count_by, false_positives
from monitor.reviews.models import Review
from tests.factchecks.scored import scored_post


def _review(db: Session, post_id: int, decision: str, labels: list[str]) -> None:
    db.add(Review(post_id=post_id, reviewer_name="rina", decision=decision, labels=labels))
    db.flush()


def test_dismissals_stay_after_a_rescore_and_unflagged_dismissals_are_listed(
    db: Session,
) -> None:
    # Flagged as money politics by the old model, dismissed; the new model no longer flags it.
    rescored = scored_post(db, "a", "amplop untuk warga, katanya dari panitia")
    db.add(
        Prediction(
            post_id=rescored.id,
            label="money_politics",
            score=0.93,
            flagged=True,
            model_version="old",
            explanation={"rules": [{"rule": "mp_envelope", "label": "money_politics"}]},
        )
    )
    _review(db, rescored.id, "dismiss", [])
    # Mixed in as uncertain, never flagged, dismissed.
    mixed = scored_post(db, "b", "jadwal kampanye terbuka di alun-alun")
    _review(db, mixed.id, "dismiss", [])
    # Flagged hoax + SARA, the reviewer confirmed SARA only: the hoax flag was rejected.
    partly = scored_post(db, "c", "isu agama dan kabar bohong")
    partly.flagged, partly.labels = True, ["hoax", "identity_politics"]
    _review(db, partly.id, "confirm", ["identity_politics"])
    # Confirmed as flagged: not an error.
    right = scored_post(db, "d", "serangan fajar 100rb")
    right.flagged, right.labels = True, ["money_politics"]
    _review(db, right.id, "confirm", ["money_politics"])
    db.flush()

    rows = false_positives(db)
    got = sorted((r["post_id"], r["label"], r["decision"]) for r in rows)
    assert got == sorted(
        [
            (rescored.id, "money_politics", "dismiss"),
            (mixed.id, NOT_FLAGGED, "dismiss"),
            (partly.id, "hoax", "confirm"),
        ]
    )
    by_post = {r["post_id"]: r for r in rows}
    assert by_post[rescored.id]["score"] == 0.93  # the flag the reviewer saw
    assert "rule:mp_envelope" in by_post[rescored.id]["shown_terms"]
    assert {r["label"]: r["n"] for r in count_by(rows, "label")}[NOT_FLAGGED] == 1
