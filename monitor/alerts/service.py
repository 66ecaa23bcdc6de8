"""Alert logic: raise de-duplicated alerts, fan out to subscriptions, acknowledge, resolve."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.alerts import repository
from monitor.alerts.channels import Message
from monitor.alerts.models import Alert, Delivery, Subscription
from monitor.alerts.rules import EVALUATORS, RULES, AlertDraft, RuleConfig
from monitor.audit import service as audit
from monitor.core.base import utcnow
from monitor.core.errors import Conflict, NotFound
from monitor.core.i18n import translate
from monitor.core.localtime import local, local_iso, zone_of
from monitor.core.messages import Term
from monitor.keys.models import ApiKey
from monitor.keys.principal import Principal
from monitor.keys.service import principal_of

log = logging.getLogger(__name__)

STATUSES: tuple[str, ...] = ("open", "acknowledged", "resolved")


class AlertNotFound(NotFound):
    """No alert with that id is visible to the caller."""


class AlertStateError(Conflict):
    """The alert cannot move to the requested state."""


@dataclass(frozen=True)
class EvaluateResult:
    """What one evaluation pass did."""

    raised: int
    merged: int
    deliveries: int


def evaluate(
    session: Session,
    now: datetime,
    cfg: RuleConfig | None = None,
    rules: Iterable[str] = RULES,
) -> EvaluateResult:
    """Run the rules, store new alerts once per dedup key and queue their deliveries."""
    cfg = cfg or RuleConfig()
    raised = merged = queued = 0
    subs = repository.all_subscriptions(session)
    for rule in rules:
        for draft in EVALUATORS[rule](session, now, cfg):
            alert, new = _store(session, draft)
            if not new:
                merged += 1
                continue
            raised += 1
            queued += _fan_out(session, alert, subs, now)
    return EvaluateResult(raised=raised, merged=merged, deliveries=queued)


def raise_alert(session: Session, draft: AlertDraft, now: datetime) -> tuple[Alert, bool]:
    """Store an alert raised outside the rule set (drift watch); queue it if new; (alert, new)."""
    alert, new = _store(session, draft)
    if new:
        _fan_out(session, alert, repository.all_subscriptions(session), now)
    return alert, new


def _store(session: Session, draft: AlertDraft) -> tuple[Alert, bool]:
    existing = repository.alert_by_key(session, draft.dedup_key)
    if existing is not None:
        _merge(existing, draft)
        return existing, False
    alert = Alert(
        rule=draft.rule,
        region_code=draft.region_code or None,  # "": national (drift watch), no region
        label=draft.label,
        dedup_key=draft.dedup_key,
        window_start=draft.window_start,
        window_end=draft.window_end,
        summary=draft.summary,
        payload=draft.payload,
    )
    try:
        with session.begin_nested():
            repository.add_alert(session, alert)
    except IntegrityError:
        # Another scheduler raised the same alert first: that one is the alert.
        existing = repository.alert_by_key(session, draft.dedup_key)
        if existing is None:
            raise
        return existing, False
    return alert, True


def _merge(alert: Alert, draft: AlertDraft) -> None:
    # Digest: later posts in the same window update the one alert instead of sending more.
    ids = sorted(set(alert.payload.get("post_ids", [])) | set(draft.payload.get("post_ids", [])))
    payload = {**alert.payload, **draft.payload}
    if ids:
        payload["post_ids"] = ids[:50]
    alert.payload = payload
    alert.summary = draft.summary


def key_active(key: ApiKey | None, now: datetime) -> bool:
    """Tell whether a subscription's owning key may still receive alerts (not revoked/expired)."""
    if key is None:
        return True  # operator subscriptions (no key) follow the command line
    if key.revoked_at is not None:
        return False
    return key.expires_at is None or key.expires_at > now


def matches(
    sub: Subscription, key: ApiKey | None, alert: Alert, now: datetime | None = None
) -> bool:
    """Tell whether a subscription (and its key's scope) wants this alert."""
    if sub.rules and alert.rule not in sub.rules:
        return False
    if sub.labels and (alert.label is None or alert.label not in sub.labels):
        return False
    code = alert.region_code or ""
    if sub.region_codes and not any(
        code == r or code.startswith(r + ".") for r in sub.region_codes
    ):
        return False
    if key is not None:
        # Issue 13: an expired key is as dead as a revoked one.
        if not key_active(key, now or utcnow()):
            return False
        # The key's scope is checked at send time too: a liaison moved to another
        # province stops receiving the old one's alerts even if the subscription remains.
        owner = principal_of(key)
        allowed = owner.covers(code) if code else not owner.region_limited
        if not allowed:
            return False
    return True


def _fan_out(
    session: Session,
    alert: Alert,
    subs: list[tuple[Subscription, ApiKey | None]],
    now: datetime,
) -> int:
    n = 0
    for sub, key in subs:
        if matches(sub, key, alert, now):
            repository.add(
                session, Delivery(alert_id=alert.id, subscription_id=sub.id, next_attempt_at=now)
            )
            n += 1
    return n


def message_for(alert: Alert) -> Message:
    """Build the webhook payload and chat/email text for an alert."""
    payload: dict[str, Any] = {
        "id": alert.id,
        "rule": alert.rule,
        "region_code": alert.region_code,
        "label": alert.label,
        "window_start": alert.window_start.isoformat(),
        "window_end": alert.window_end.isoformat(),
        "summary": alert.summary,
        "details": alert.payload,
        "created_at": alert.created_at.isoformat() if alert.created_at else None,
        **_local_fields(alert),
    }
    # People read the text and subject: region names and Indonesian labels, never codes.
    region = alert.payload.get("region_name") or alert.region_code
    where = region or translate("id", "figures.all_regions")
    rule = translate("id", f"rule.{alert.rule}")
    head = f"[Waspada] {rule} · {where}"
    if alert.label:
        head += f" · {translate('id', 'label.' + alert.label)}"
    when = local(alert.window_start, alert.region_code)
    text = f"{head}\n{alert.summary}\n{when}"
    subject = translate("id", "alert.subject").format(rule=rule, region=where)
    payload["region_name"] = region
    payload["rule_text"] = rule
    payload["label_text"] = translate("id", f"label.{alert.label}") if alert.label else None
    payload["label_source"] = alert.payload.get("label_source")
    return Message(payload=payload, text=text, subject=subject)


# --- Acknowledge / resolve ------------------------------------------------------------


def _describe(alert: Alert) -> dict[str, Any]:
    return {
        "status": alert.status,
        "acknowledged_by": alert.acknowledged_by,
        "resolved_by": alert.resolved_by,
    }


def transition(session: Session, principal: Principal, alert_id: int, action: str) -> Alert:
    """Acknowledge or resolve an alert the caller may see; audited."""
    alert = repository.get_alert(session, principal, alert_id)
    if alert is None:
        raise AlertNotFound("error.no_alert", alert_id=alert_id)
    before = _describe(alert)
    if action == "acknowledge":
        if alert.status != "open":
            raise AlertStateError(
                "error.alert_not_open",
                alert_id=alert_id,
                status=Term(f"alert_status.{alert.status}"),
            )
        alert.status = "acknowledged"
        alert.acknowledged_by = principal.actor
    elif action == "resolve":
        if alert.status == "resolved":
            raise AlertStateError("error.alert_resolved", alert_id=alert_id)
        alert.status = "resolved"
        alert.resolved_by = principal.actor
    else:
        raise AlertStateError("error.alert_action", action=action)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action=f"alert.{action}",
        entity_type="alert",
        entity_id=str(alert.id),
        before=before,
        after=_describe(alert),
    )
    return alert


def describe(alert: Alert) -> dict[str, Any]:
    """Return an alert's public fields."""
    return {
        "id": alert.id,
        "rule": alert.rule,
        "region_code": alert.region_code,
        "label": alert.label,
        "window_start": alert.window_start.isoformat(),
        "window_end": alert.window_end.isoformat(),
        "summary": alert.summary,
        "payload": alert.payload,
        "status": alert.status,
        "created_at": alert.created_at.isoformat(),
        "acknowledged_by": alert.acknowledged_by,
        "resolved_by": alert.resolved_by,
        **_local_fields(alert),
    }


def _local_fields(alert: Alert) -> dict[str, Any]:
    # The UTC fields stay for existing clients; people and new clients read the region's zone.
    zone = zone_of(alert.region_code)
    return {
        "timezone": zone,
        "window_start_local": local_iso(alert.window_start, zone),
        "window_end_local": local_iso(alert.window_end, zone),
    }


def backoff(attempts: int, base: timedelta, cap: timedelta) -> timedelta:
    """Exponential backoff after `attempts` failures: base * 2^(attempts-1), capped."""
    return min(cap, base * (2 ** max(0, attempts - 1)))
