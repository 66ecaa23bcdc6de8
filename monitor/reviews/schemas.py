"""Request and response shapes of review actions."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from classifiers.contracts import LABELS
from monitor.posts.schemas import clean_text

Action = Literal["confirm", "dismiss", "escalate"]
LabelName = Literal["hoax", "black_campaign", "money_politics", "identity_politics"]
assert set(get_args(LabelName)) == set(LABELS), "LabelName must list classifiers.contracts.LABELS"
Status = Literal["new", "confirmed", "dismissed", "escalated"]
Target = Literal["bawaslu", "platform"]
STATUS_OF: dict[str, str] = {
    "confirm": "confirmed",
    "dismiss": "dismissed",
    "escalate": "escalated",
}


class DecisionIn(BaseModel):
    """A reviewer's decision on one item."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"action": "confirm", "labels": ["hoax"], "expected_status": "new"},
                {"action": "dismiss", "reason": "satire account, not a claim"},
                {
                    "action": "escalate",
                    "target": "bawaslu",
                    "note": "vote-buying offer naming a polling station",
                    "apply_to_cluster": True,
                },
            ]
        },
    )

    action: Action
    labels: list[LabelName] | None = Field(
        default=None, max_length=len(LABELS), description="confirm: corrected labels"
    )
    reason: str | None = Field(default=None, max_length=2000, description="dismiss: why")
    target: Target | None = Field(default=None, description="escalate: to whom")
    note: str | None = Field(default=None, max_length=4000)
    apply_to_cluster: bool = Field(
        default=False,
        strict=True,  # Why: 0/"no" silently meaning false hides client bugs; JSON has booleans
        description="Apply to every copy in the item's cluster (inherited)",
    )
    expected_status: Status = Field(
        default="new",
        description="The status the reviewer saw; a different current status answers 409",
    )

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        unknown = [v for v in value if v not in LABELS]
        if unknown:
            raise ValueError(f"unknown label(s); choose from {', '.join(LABELS)}")
        return sorted(set(value))

    @field_validator("reason", "note")
    @classmethod
    def _clean(cls, value: str | None) -> str | None:
        return (clean_text(value) or None) if value is not None else None

    @model_validator(mode="after")
    def _needs(self) -> DecisionIn:
        if self.action == "dismiss" and not self.reason:
            raise ValueError("dismiss needs a reason")
        if self.action == "escalate" and not self.target:
            raise ValueError("escalate needs a target (bawaslu or platform)")
        if self.action == "confirm" and self.labels == []:
            raise ValueError(
                "confirm needs at least one label (or omit labels to keep the model's)"
            )
        return self


class BulkDecisionItem(DecisionIn):
    """One entry of a bulk decision."""

    id: int = Field(ge=1)


class BulkDecisionIn(BaseModel):
    """Up to 500 decisions applied independently."""

    model_config = ConfigDict(extra="forbid")

    decisions: list[BulkDecisionItem] = Field(min_length=1, max_length=500)


class ReviewOut(BaseModel):
    """One decision in an item's history."""

    id: int
    decision: str
    labels: list[str]
    reason: str | None
    note: str | None
    escalation_target: str | None
    reviewer: str
    inherited_from_review_id: int | None
    superseded: bool
    created_at: datetime


class DecisionOut(BaseModel):
    """The outcome of a decision."""

    item_id: int
    status: Status
    review: ReviewOut
    cluster_applied: int = Field(description="Copies in the cluster that inherited it")
    cluster_item_ids: list[int] = Field(
        default_factory=list, description="Ids of the copies that inherited it"
    )


class BulkResult(BaseModel):
    """One bulk entry's outcome: HTTP-like status and either the decision or the problem."""

    id: int
    status: int
    result: DecisionOut | None = None
    detail: str | None = None


class BulkDecisionOut(BaseModel):
    """Per-item results of a bulk decision."""

    results: list[BulkResult]
    succeeded: int
    failed: int


class ClaimOut(BaseModel):
    """A reviewer's lease on an item."""

    item_id: int
    claimed_by: str
    claimed_at: datetime
    expires_at: datetime
