"""The outbox worker: lease due deliveries, send outside the transaction, record the result."""

from __future__ import annotations

import logging
import math
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta

from monitor.alerts import channels, repository
from monitor.alerts.channels import SEND_TIMEOUT, DeliveryError
from monitor.alerts.service import backoff, key_active, message_for
from monitor.core.base import utcnow
from monitor.core.runtime import Runtime
from monitor.core.secretbox import SecretBoxError
from monitor.core.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryPolicy:
    """Retry schedule: exponential backoff, dead letter after max_attempts failures."""

    max_attempts: int = 6
    base: timedelta = timedelta(seconds=30)
    cap: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(minutes=2)
    batch: int = 50
    # Sends run in parallel so one hanging receiver costs one timeout, not the batch's time.
    workers: int = 8
    timeout: float = SEND_TIMEOUT

    def __post_init__(self) -> None:
        # Why: a lease that ran out mid-batch would let another worker send the row again.
        rounds = math.ceil(self.batch / max(1, self.workers))
        # SMTP makes several round trips, each with its own timeout: allow three per send.
        worst = timedelta(seconds=rounds * self.timeout * 3)
        if self.max_attempts < 1 or self.workers < 1 or self.batch < 1:
            raise ValueError("max_attempts, workers and batch must be at least 1")
        if self.lease <= worst:
            raise ValueError(f"lease {self.lease} must exceed the worst-case batch time {worst}")


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


@dataclass(frozen=True)
class _Outcome:
    error: str | None = None
    retry_after: float | None = None


def _attempt(job: _Job, settings: Settings, timeout: float) -> _Outcome:
    """Send one delivery; return the error to record (none when it was sent)."""
    try:
        channels.send(job.channel, job.target, job.secret, job.message, settings, timeout)
    except DeliveryError as exc:
        return _Outcome(str(exc), exc.retry_after)
    except Exception as exc:  # one bad delivery must not stop the batch
        log.exception("delivery crashed", extra={"delivery": job.delivery_id})
        return _Outcome(f"internal error: {type(exc).__name__}")
    return _Outcome()


def deliver_pending(
    rt: Runtime, policy: DeliveryPolicy | None = None, now: datetime | None = None
) -> DeliverResult:
    """Send every due delivery once; failures are rescheduled, never dropped."""
    policy = policy or DeliveryPolicy()
    now = now or utcnow()
    result = DeliverResult()
    with rt.session() as s:
        jobs = []
        for d in repository.claim_due(s, now, now + policy.lease, policy.batch):
            try:
                _, alert, sub = repository.delivery_context(s, d.id)
            except SecretBoxError as exc:  # the secrets key changed: this row cannot be signed
                d.status, d.last_error = "dead", str(exc)
                result.dead += 1
                continue
            if not key_active(repository.owner_key(s, sub), now):
                # Checked again at send time: the key may have expired or been revoked
                # after the alert was queued (issue 13). Nothing is sent; the row says why.
                d.status, d.last_error = "dead", "owner key revoked or expired"
                result.dead += 1
                continue
            jobs.append(_Job(d.id, sub.channel, sub.target, sub.secret, message_for(alert)))
    if not jobs:
        return result
    with ThreadPoolExecutor(max_workers=min(policy.workers, len(jobs))) as pool:
        futures = {pool.submit(_attempt, j, rt.settings, policy.timeout): j for j in jobs}
        # Results are recorded here, one at a time, as sends finish (sessions stay on this thread).
        for future in as_completed(futures):
            _record(rt, futures[future].delivery_id, future.result(), policy, result)
    return result


def _record(
    rt: Runtime, delivery_id: int, outcome: _Outcome, policy: DeliveryPolicy, result: DeliverResult
) -> None:
    error = outcome.error
    with rt.session() as s:
        d = repository.get_delivery(s, delivery_id)
        if d is None:
            # Unsubscribed while the send was in flight: its outbox row went with it.
            log.info("delivery gone before its result was known", extra={"delivery": delivery_id})
            return
        d.attempts += 1
        if error is None:
            d.status, d.sent_at, d.last_error = "sent", utcnow(), None
            result.sent += 1
            return
        d.last_error = error[:1000]
        if d.attempts >= policy.max_attempts:
            d.status = "dead"
            result.dead += 1
            log.warning("delivery dead-lettered", extra={"delivery": d.id, "error": error})
        else:
            wait = backoff(d.attempts, policy.base, policy.cap)
            if outcome.retry_after is not None:
                wait = max(wait, timedelta(seconds=outcome.retry_after))
            d.next_attempt_at = utcnow() + wait
            result.retried += 1
            log.info("delivery failed; will retry", extra={"delivery": d.id, "error": error})
