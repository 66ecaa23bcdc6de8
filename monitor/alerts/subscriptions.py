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
from monitor.core.outbound import OutboundPolicy, OutboundRefused
from monitor.keys.principal import Principal
from monitor.regions.gazetteer import RegionRecord, default_gazetteer

# A subscription kind, not an alert rule: the weekly early-warning brief of each named region
# as a PDF e-mail (sent by the desk's brief job). Alerts never match it.
BRIEF_RULE = "weekly_brief"
BRIEF_LEVELS = ("province", "regency", "city")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CHAT_ID = re.compile(r"^(-?\d{1,20}|@[A-Za-z][A-Za-z0-9_]{4,31})$")


class SubscriptionError(ValueError):
    """Invalid subscription parameters; the message says which and why."""


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
        raise SubscriptionError("name must be 1-200 characters")
    if req.channel not in CHANNELS:
        raise SubscriptionError(f"channel must be one of {', '.join(CHANNELS)}")
    if req.channel == "webhook":
        parts = urlsplit(req.target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SubscriptionError("webhook target must be an http(s) URL")
        if req.secret is not None and len(req.secret) < 16:
            raise SubscriptionError("webhook secret must be at least 16 characters")
        # Why: a webhook makes the server send requests; a liaison key must not be able to
        # aim them at the server's own network, nor send alert details in clear text.
        if not trusted and _internal_host(parts.hostname):
            raise SubscriptionError(
                "webhook target must be a public address; an admin can add internal receivers"
            )
        # Admins and operators too: the outbound policy (with its explicit allow-list) decides.
        try:
            policy.check_url(req.target)
        except OutboundRefused as exc:
            raise SubscriptionError(f"webhook target refused: {exc}") from None
        if not trusted and parts.scheme != "https":
            raise SubscriptionError("webhook target must use https; an admin can allow http")
    elif req.channel == "telegram" and not _CHAT_ID.match(req.target):
        raise SubscriptionError("telegram target must be a numeric chat id or @channelname")
    elif req.channel == "email" and (len(req.target) > 254 or not _EMAIL.match(req.target)):
        raise SubscriptionError("email target must be an address")
    regions = default_gazetteer().regions
    for code in req.region_codes:
        if code not in regions:
            raise SubscriptionError(f"unknown region code {code[:20]!r}")
        if not owner.covers(code):
            raise SubscriptionError(f"region {code} is outside this key's scope")
    if owner.region_limited and not req.region_codes:
        raise SubscriptionError("a region-scoped key must name the regions it subscribes to")
    for label in req.labels:
        if label not in LABELS:
            raise SubscriptionError(f"unknown label {label[:40]!r}; one of {', '.join(LABELS)}")
    for rule in req.rules:
        if rule not in (*RULES, *RAISED_ELSEWHERE, BRIEF_RULE):
            known = ", ".join((*RULES, *RAISED_ELSEWHERE, BRIEF_RULE))
            raise SubscriptionError(f"unknown rule {rule[:40]!r}; one of {known}")
    if BRIEF_RULE in req.rules:
        _check_brief(req, regions)


def _check_brief(req: SubscriptionRequest, regions: dict[str, RegionRecord]) -> None:
    # The brief is its own kind: a PDF by e-mail for named provinces or kabupaten/kota.
    if len(req.rules) != 1:
        raise SubscriptionError(f"{BRIEF_RULE} is a subscription of its own; name no other rule")
    if req.channel != "email":
        raise SubscriptionError(f"{BRIEF_RULE} is sent by email only")
    if not req.region_codes:
        raise SubscriptionError(f"{BRIEF_RULE} needs the regions whose brief to send")
    for code in req.region_codes:
        if regions[code].level not in BRIEF_LEVELS:
            raise SubscriptionError(f"{BRIEF_RULE}: {code} is not a province or kabupaten/kota")


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
