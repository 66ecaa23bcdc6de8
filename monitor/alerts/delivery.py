"""The outbox worker: lease due deliveries, send outside the transaction, record the result."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.alerts import channels, repository
from monitor.alerts.channels import DeliveryError
from monitor.alerts.service import backoff, message_for
from monitor.core.base import utcnow
from monitor.core.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryPolicy:
    """Retry schedule: exponential backoff, dead letter after max_attempts failures."""

    max_attempts: int = 6
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(minutes=2)
    batch: int = 50


@dataclass
class DeliverResult:
    """Counts from one pass."""

    sent: int = 0
    retried: int = 0
    dead: int = 0


@dataclass(frozen=True)
class _Job:
    delivery_id: int
    channel: str
    target: str
    secret: str | None
    message: channels.Message


def deliver_pending(
    rt: Runtime, policy: DeliveryPolicy | None = None, now: datetime | None = None
) -> DeliverResult:
    """Send every due delivery once; failures are rescheduled, never dropped."""
    policy = policy or DeliveryPolicy()
    now = now or utcnow()
    with rt.session() as s:
        jobs = []
        for d in repository.claim_due(s, now, now + policy.lease, policy.batch):
            _, alert, sub = repository.delivery_context(s, d.id)
            jobs.append(_Job(d.id, sub.channel, sub.target, sub.secret, message_for(alert)))
    result = DeliverResult()
    for job in jobs:
        error: str | None = None
        try:
            channels.send(job.channel, job.target, job.secret, job.message, rt.settings)
        except DeliveryError as exc:
            error = str(exc)
        except Exception as exc:  # one bad delivery must not stop the batch
            log.exception("delivery crashed", extra={"delivery": job.delivery_id})
            error = f"internal error: {type(exc).__name__}"
        with rt.session() as s:
            d, _, _ = repository.delivery_context(s, job.delivery_id)
            if error is None:
                d.status, d.sent_at, d.last_error = "sent", utcnow(), None
                d.attempts += 1
                result.sent += 1
                continue
            d.attempts += 1
            d.last_error = error[:1000]
            if d.attempts >= policy.max_attempts:
                d.status = "dead"
                result.dead += 1
                log.warning("delivery dead-lettered", extra={"delivery": d.id, "error": error})
            else:
                d.next_attempt_at = utcnow() + backoff(d.attempts, policy.base, policy.cap)
                result.retried += 1
                log.info("delivery failed; will retry", extra={"delivery": d.id, "error": error})
    return result
