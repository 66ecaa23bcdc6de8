"""`waspada alerts ...`: subscriptions, alerts, rule evaluation and the delivery outbox."""

from __future__ import annotations

import json
from datetime import datetime

import typer

from monitor.alerts import delivery, repository, service, subscriptions
from monitor.alerts.rules import RULES
from monitor.cli.common import fail, runtime
from monitor.core.base import utcnow
from monitor.core.outbound import policy_for
from monitor.keys.models import ApiKey
from monitor.keys.principal import SYSTEM, Principal
from monitor.keys.service import principal_of

app = typer.Typer(help="Alerts: subscriptions, rule evaluation, delivery.", no_args_is_help=True)
# Who the audit trail names for actions taken at the command line (an operator with shell access).
CLI_ACTOR = Principal(key_id=None, name="cli", role="admin")


@app.command("subscribe")
def subscribe(
    name: str = typer.Option(..., "--name", help="Who is told (a liaison, a team)"),
    channel: str = typer.Option(..., "--channel", help="webhook, telegram or email"),
    target: str = typer.Option(..., "--target", help="URL, Telegram chat id or email address"),
    region: list[str] = typer.Option([], "--region", help="Kemendagri code; repeatable"),
    label: list[str] = typer.Option([], "--label", help="Label; repeatable (default all)"),
    rule: list[str] = typer.Option([], "--rule", help=f"One of {', '.join(RULES)}; repeatable"),
    key_id: int | None = typer.Option(None, "--key-id", help="Owning API key (its scope applies)"),
    secret: str | None = typer.Option(None, "--secret", help="Webhook HMAC key (generated)"),
    brief: bool = typer.Option(
        False,
        "--brief",
        help="The weekly early-warning brief (PDF by email) of each --region, not alerts",
    ),
) -> None:
    """Create a subscription; prints its id (and the webhook secret once, if generated)."""
    if brief:
        if rule or label:
            raise fail("--brief takes no --rule or --label: the brief covers every label", 2)
        rule = [subscriptions.BRIEF_RULE]
    req = subscriptions.SubscriptionRequest(
        name=name,
        channel=channel,
        target=target,
        region_codes=tuple(region),
        labels=tuple(label),
        rules=tuple(rule),
        secret=secret,
    )
    with runtime() as rt, rt.session() as s:
        owner: Principal = SYSTEM
        if key_id is not None:
            key = s.get(ApiKey, key_id)
            if key is None or key.revoked_at is not None:
                raise fail(f"no active API key with id {key_id}", 2)
            owner = principal_of(key)
        try:
            sub, generated = subscriptions.create(
                s, owner, req, trusted=True, policy=policy_for(rt.settings)
            )
        except subscriptions.SubscriptionError as exc:
            raise fail(exc.message("id"), 2) from None  # CLI error lines are Indonesian
        sub_id = sub.id
    typer.echo(f"subscription {sub_id} created")
    if generated:
        typer.echo(f"webhook secret (shown once): {generated}")


@app.command("list")
def list_(
    status: str | None = typer.Option(None, help="open, acknowledged or resolved"),
    region: str | None = typer.Option(None, help="Only this region code and below"),
    limit: int = typer.Option(50, min=1, max=1000),
    subscriptions_: bool = typer.Option(False, "--subscriptions", help="List subscriptions"),
) -> None:
    """Print recent alerts (or subscriptions) as JSON lines."""
    if status is not None and status not in service.STATUSES:
        raise fail(f"--status must be one of {', '.join(service.STATUSES)}", 2)
    with runtime() as rt, rt.session() as s:
        if subscriptions_:
            rows = [subscriptions.describe(x) for x in repository.subscriptions_for(s, SYSTEM)]
        else:
            alerts = repository.list_alerts(
                s, SYSTEM, status=status, region=region, rule=None, limit=limit, before_id=None
            )
            rows = [service.describe(a) for a in alerts]
    for row in rows:
        typer.echo(json.dumps(row, ensure_ascii=False))


@app.command("evaluate")
def evaluate(
    at: str | None = typer.Option(
        None, "--at", help="Evaluate as of this time (ISO 8601 with zone, e.g. to replay a window)"
    ),
) -> None:
    """Run the alert rules once and queue deliveries."""
    now = utcnow()
    if at is not None:
        try:
            now = datetime.fromisoformat(at)
        except ValueError:
            raise fail(f"--at {at!r} is not an ISO 8601 time", 2) from None
        if now.tzinfo is None:
            raise fail("--at needs a timezone, e.g. 2026-11-28T10:00:00+00:00", 2)
    with runtime() as rt, rt.session() as s:
        result = service.evaluate(s, now)
    typer.echo(
        f"alerts raised: {result.raised}, merged into existing: {result.merged}, "
        f"deliveries queued: {result.deliveries}"
    )


@app.command("deliver")
def deliver(
    requeue_dead: bool = typer.Option(False, help="Retry dead-lettered deliveries first"),
) -> None:
    """Send due deliveries once; failures are rescheduled with backoff."""
    with runtime() as rt:
        if requeue_dead:
            with rt.session() as s:
                n = repository.requeue_dead(s, utcnow())
            typer.echo(f"requeued {n} dead deliveries")
        result = delivery.deliver_pending(rt)
    typer.echo(f"sent: {result.sent}, retry later: {result.retried}, dead: {result.dead}")


def _transition(alert_id: int, action: str) -> None:
    with runtime() as rt, rt.session() as s:
        try:
            alert = service.transition(s, CLI_ACTOR, alert_id, action)
        except (service.AlertNotFound, service.AlertStateError) as exc:
            raise fail(exc.message()) from None
        status = alert.status
    typer.echo(f"alert {alert_id} {status}")


@app.command("ack")
def ack(alert_id: int = typer.Argument(..., min=1)) -> None:
    """Acknowledge an open alert (audited as the command line operator)."""
    _transition(alert_id, "acknowledge")


@app.command("resolve")
def resolve(alert_id: int = typer.Argument(..., min=1)) -> None:
    """Resolve an alert (audited as the command line operator)."""
    _transition(alert_id, "resolve")


@app.command("unsubscribe")
def unsubscribe(sub_id: int = typer.Argument(..., min=1)) -> None:
    """Delete a subscription and its queued deliveries (audited)."""
    with runtime() as rt, rt.session() as s:
        try:
            subscriptions.delete(s, CLI_ACTOR, sub_id)
        except subscriptions.SubscriptionNotFound:
            raise fail(f"no subscription with id {sub_id}") from None
    typer.echo(f"subscription {sub_id} deleted")


@app.command("deliveries")
def deliveries(
    status: str | None = typer.Option(None, help="pending, sent or dead (default all)"),
) -> None:
    """Print the outbox as JSON lines (dead letters with their last error)."""
    if status not in (None, "pending", "sent", "dead"):
        raise fail("--status must be pending, sent or dead", 2)
    with runtime() as rt, rt.session() as s:
        rows = [
            {
                "id": d.id,
                "alert_id": d.alert_id,
                "subscription_id": d.subscription_id,
                "status": d.status,
                "attempts": d.attempts,
                "next_attempt_at": d.next_attempt_at.isoformat(),
                "last_error": d.last_error,
                "sent_at": d.sent_at.isoformat() if d.sent_at else None,
            }
            for d in repository.deliveries(s, status)
        ]
    for row in rows:
        typer.echo(json.dumps(row, ensure_ascii=False))
