"""`waspada alerts ...`: subscribe, list, evaluate the rules, deliver the outbox."""

from __future__ import annotations

import json

import typer

from monitor.alerts import delivery, repository, service, subscriptions
from monitor.alerts.rules import RULES
from monitor.cli.common import fail, runtime
from monitor.core.base import utcnow
from monitor.keys.models import ApiKey
from monitor.keys.principal import SYSTEM, Principal
from monitor.keys.service import principal_of

app = typer.Typer(help="Alerts: subscriptions, rule evaluation, delivery.", no_args_is_help=True)


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
) -> None:
    """Create a subscription; prints its id (and the webhook secret once, if generated)."""
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
            sub, generated = subscriptions.create(s, owner, req)
        except subscriptions.SubscriptionError as exc:
            raise fail(str(exc), 2) from None
        sub_id = sub.id
    typer.echo(f"subscription {sub_id} created")
    if generated:
        typer.echo(f"webhook secret (shown once): {generated}")


@app.command("list")
def list_(
    status: str | None = typer.Option(None, help="open, acknowledged or resolved"),
    limit: int = typer.Option(50, min=1, max=1000),
    subscriptions_: bool = typer.Option(False, "--subscriptions", help="List subscriptions"),
) -> None:
    """Print recent alerts (or subscriptions) as JSON lines."""
    with runtime() as rt, rt.session() as s:
        if subscriptions_:
            rows = [subscriptions.describe(x) for x in repository.subscriptions_for(s, SYSTEM)]
        else:
            alerts = repository.list_alerts(
                s, SYSTEM, status=status, region=None, rule=None, limit=limit, before_id=None
            )
            rows = [service.describe(a) for a in alerts]
    for row in rows:
        typer.echo(json.dumps(row, ensure_ascii=False))


@app.command("evaluate")
def evaluate() -> None:
    """Run the alert rules once and queue deliveries."""
    with runtime() as rt, rt.session() as s:
        result = service.evaluate(s, utcnow())
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
