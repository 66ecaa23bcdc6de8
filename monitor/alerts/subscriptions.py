"""Subscriptions: who is told about which alerts, validated against the caller's scope."""

from __future__ import annotations

import ipaddress
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from classifiers.contracts import LABELS
from monitor.alerts import repository
from monitor.alerts.channels import CHANNELS
from monitor.alerts.models import Subscription
from monitor.alerts.rules import RAISED_ELSEWHERE, RULES
from monitor.audit import service as audit
from monitor.core.errors import Invalid
from monitor.core.outbound import OutboundPolicy, OutboundRefused
from monitor.keys.principal import Principal
from monitor.regions.gazetteer import RegionRecord, default_gazetteer

# A subscription kind, not an alert rule: the weekly early-warning brief of each named region
# as a PDF e-mail (sent by the desk's brief job). Alerts never match it.
BRIEF_RULE = "weekly_brief"
BRIEF_LEVELS = ("province", "regency", "city")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CHAT_ID = re.compile(r"^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$")


class SubscriptionError(Invalid):
    """Invalid subscription parameters; the key names which and why (422 at the API)."""


class SubscriptionNotFound(LookupError):
    """No subscription with that id belongs to the caller."""


@dataclass(frozen=True)
class SubscriptionRequest:
    """What a caller asks to subscribe to."""

    name: str
    channel: str
    target: str
    region_codes: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    secret: str | None = None


_INTERNAL_SUFFIXES = (".local", ".internal", ".localdomain", ".lan", ".home.arpa")


def _internal_host(host: str) -> bool:
    """Tell whether a webhook host names this machine or a private network (SSRF guard)."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost") or host.endswith(_INTERNAL_SUFFIXES):
        return True
    if "." not in host and ":" not in host:
        return True  # a bare name resolves on the local network, never on the internet
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return not ip.is_global


def _check(
    req: SubscriptionRequest, owner: Principal, trusted: bool, policy: OutboundPolicy
) -> None:
    if not 1 <= len(req.name.strip()) <= 200:
        raise SubscriptionError("error.sub.name")
    if req.channel not in CHANNELS:
        raise SubscriptionError("error.sub.channel", known=", ".join(CHANNELS))
    if req.channel == "webhook":
        parts = urlsplit(req.target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SubscriptionError("error.sub.webhook_url")
        if req.secret is not None and len(req.secret) < 16:
            raise SubscriptionError("error.sub.secret")
        # Why: a webhook makes the server send requests; a liaison key must not be able to
        # aim them at the server's own network, nor send alert details in clear text.
        if not trusted and _internal_host(parts.hostname):
            raise SubscriptionError("error.sub.webhook_internal")
        # Admins and operators too: the outbound policy (with its explicit allow-list) decides.
        try:
            policy.check_url(req.target)
        except OutboundRefused as exc:
            raise SubscriptionError("error.sub.webhook_refused", detail=str(exc)) from None
        if not trusted and parts.scheme != "https":
            raise SubscriptionError("error.sub.webhook_https")
    elif req.channel == "telegram" and not _CHAT_ID.match(req.target):
        raise SubscriptionError("error.sub.telegram")
    elif req.channel == "email" and (len(req.target) > 254 or not _EMAIL.match(req.target)):
        raise SubscriptionError("error.sub.email")
    regions = default_gazetteer().regions
    for code in req.region_codes:
        if code not in regions:
            raise SubscriptionError("error.sub.region_unknown", code=repr(code[:20]))
        if not owner.covers(code):
            raise SubscriptionError("error.sub.region_scope", code=code)
    if owner.region_limited and not req.region_codes:
        raise SubscriptionError("error.sub.regions_needed")
    for label in req.labels:
        if label not in LABELS:
            raise SubscriptionError(
                "error.sub.label", label=repr(label[:40]), known=", ".join(LABELS)
            )
    for rule in req.rules:
        if rule not in (*RULES, *RAISED_ELSEWHERE, BRIEF_RULE):
            known = ", ".join((*RULES, *RAISED_ELSEWHERE, BRIEF_RULE))
            raise SubscriptionError("error.sub.rule", rule=repr(rule[:40]), known=known)
    if BRIEF_RULE in req.rules:
        _check_brief(req, regions)


def _check_brief(req: SubscriptionRequest, regions: dict[str, RegionRecord]) -> None:
    # The brief is its own kind: a PDF by e-mail for named provinces or kabupaten/kota.
    if len(req.rules) != 1:
        raise SubscriptionError("error.sub.brief_alone", rule=BRIEF_RULE)
    if req.channel != "email":
        raise SubscriptionError("error.sub.brief_email", rule=BRIEF_RULE)
    if not req.region_codes:
        raise SubscriptionError("error.sub.brief_regions", rule=BRIEF_RULE)
    for code in req.region_codes:
        if regions[code].level not in BRIEF_LEVELS:
            raise SubscriptionError("error.sub.brief_level", rule=BRIEF_RULE, code=code)


def create(
    session: Session,
    owner: Principal,
    req: SubscriptionRequest,
    *,
    trusted: bool = False,
    policy: OutboundPolicy,
) -> tuple[Subscription, str | None]:
    """Create a subscription for the caller's key; return it and a generated webhook secret.

    `trusted` (the command line, run by an operator) and admin keys may name internal or
    plain-http webhook receivers; other keys only public https ones. Internal addresses are
    refused for everyone unless the outbound `policy` allow-lists them.
    """
    _check(req, owner, trusted or owner.role == "admin", policy)
    generated = None
    secret = req.secret
    if req.channel == "webhook" and secret is None:
        generated = secret = secrets.token_urlsafe(32)
    sub = Subscription(
        key_id=owner.key_id,
        name=req.name.strip(),
        region_codes=sorted(set(req.region_codes)),
        labels=sorted(set(req.labels)),
        rules=sorted(set(req.rules)),
        channel=req.channel,
        target=req.target,
        secret=secret,
    )
    repository.add(session, sub)
    # Who is told about which regions is itself sensitive: changes go in the audit trail.
    audit.record(
        session,
        actor=owner.actor,
        action="subscription.create",
        entity_type="subscription",
        entity_id=str(sub.id),
        before=None,
        after=describe(sub),
    )
    return sub, generated


def owned(session: Session, principal: Principal, sub_id: int) -> Subscription:
    """Return a subscription the caller owns (admins: any), else raise SubscriptionNotFound."""
    sub = repository.get_subscription(session, sub_id)
    if sub is None or (principal.role != "admin" and sub.key_id != principal.key_id):
        raise SubscriptionNotFound(sub_id)
    return sub


def delete(session: Session, principal: Principal, sub_id: int) -> None:
    """Delete a subscription the caller owns (queued deliveries go with it); audited."""
    sub = owned(session, principal, sub_id)
    before = describe(sub)
    repository.delete_row(session, sub)
    audit.record(
        session,
        actor=principal.actor,
        action="subscription.delete",
        entity_type="subscription",
        entity_id=str(sub_id),
        before=before,
        after=None,
    )


def describe(sub: Subscription) -> dict[str, Any]:
    """Return a subscription's fields; the webhook secret is never shown again."""
    return {
        "id": sub.id,
        "key_id": sub.key_id,
        "name": sub.name,
        "region_codes": sub.region_codes,
        "labels": sub.labels,
        "rules": sub.rules,
        "channel": sub.channel,
        "target": sub.target,
        "has_secret": bool(sub.secret),
        "created_at": sub.created_at.isoformat(),
    }
