"""The weekly brief by e-mail: which briefs are due, claiming one, and the message to send.

Subscriptions of the `weekly_brief` kind name provinces or kabupaten/kota. Each region's brief
goes out once per week, from `brief_hour` on `brief_weekday` in the region's local time, and
covers the 7 days before that hour. The claim row's unique key (subscription, region, local
date) is what keeps several schedulers from sending it twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from monitor.alerts import repository as alert_repository
from monitor.alerts.channels import Attachment, Message
from monitor.alerts.service import key_active
from monitor.alerts.subscriptions import BRIEF_RULE
from monitor.core.i18n import translate
from monitor.core.localtime import local, tz_of
from monitor.core.settings import Settings
from monitor.desk.brief import repository, service
from monitor.desk.brief.models import BriefSend
from monitor.desk.figures import Period
from monitor.keys.principal import SYSTEM, Principal
from monitor.keys.service import principal_of

log = logging.getLogger(__name__)

WEEK = timedelta(days=7)
# A scheduler that was down at the hour still sends later that day, never days late.
CATCH_UP = timedelta(days=1)
MAX_ATTEMPTS = 3
# A claim still "sending" after this long belongs to a scheduler that died mid-send (rendering
# and SMTP take seconds): the brief is offered again rather than lost for the week. The price
# is a possible second copy if the dead process had in fact handed the mail to SMTP.
CLAIM_LEASE = timedelta(minutes=15)


@dataclass(frozen=True)
class DueBrief:
    """One brief to send: subscription, region and period, with its claim key."""

    key: str
    subscription_id: int
    region_code: str
    target: str
    period: Period
    attempts: int | None = None  # None: never claimed; n: failed or abandoned after n attempts
    status: str | None = None  # the claim's status when retaken: failed, or sending (abandoned)


def scheduled_at(now: datetime, code: str, weekday: int, hour: int) -> datetime:
    """Return the last scheduled instant at or before `now`, in the region's local time."""
    here = now.astimezone(tz_of(code))
    at = here.replace(hour=hour, minute=0, second=0, microsecond=0)
    at -= timedelta(days=(here.weekday() - weekday) % 7)
    return at - WEEK if at > here else at


def _owner(session: Session, subscription_id: int) -> tuple[str, Principal] | None:
    sub = alert_repository.get_subscription(session, subscription_id)
    if sub is None:
        return None
    key = alert_repository.owner_key(session, sub)
    return sub.name, SYSTEM if key is None else principal_of(key)


def due(session: Session, settings: Settings, now: datetime) -> list[DueBrief]:
    """Return the briefs due now that nobody has sent (or that failed and may be retried)."""
    found: list[DueBrief] = []
    for sub, key in alert_repository.all_subscriptions(session):
        if BRIEF_RULE not in (sub.rules or []) or sub.channel != "email":
            continue
        if not key_active(key, now):
            continue
        owner = SYSTEM if key is None else principal_of(key)
        for code in sub.region_codes or []:
            # The key's scope is checked at send time too: a liaison moved elsewhere stops
            # receiving the old region's brief even if the subscription remains.
            if not owner.covers(code):
                log.warning(
                    "brief skipped: region outside the key's scope",
                    extra={"subscription": sub.id, "region": code},
                )
                continue
            at = scheduled_at(now, code, settings.brief_weekday, settings.brief_hour)
            if now - at >= CATCH_UP:
                continue
            found.append(
                DueBrief(
                    key=f"{sub.id}:{code}:{at.date().isoformat()}",
                    subscription_id=sub.id,
                    region_code=code,
                    target=sub.target,
                    period=Period(since=at - WEEK, until=at),
                )
            )
    sent = repository.sends_by_key(session, [d.key for d in found])
    out = []
    for d in found:
        row = sent.get(d.key)
        if row is None:
            out.append(d)
        elif row.attempts >= MAX_ATTEMPTS:
            continue
        elif row.status == "failed" or (
            row.status == "sending" and row.claimed_at <= now - CLAIM_LEASE
        ):
            out.append(replace(d, attempts=row.attempts, status=row.status))
    return out


def claim(session: Session, brief: DueBrief, now: datetime) -> bool:
    """Claim a brief for this scheduler; a second claim raises IntegrityError (new) or is False."""
    if brief.attempts is not None:
        stale = now - CLAIM_LEASE if brief.status == "sending" else None
        return repository.retake_send(session, brief.key, brief.attempts, now, stale_before=stale)
    repository.insert_send(
        session,
        BriefSend(
            dedup_key=brief.key,
            subscription_id=brief.subscription_id,
            region_code=brief.region_code,
            period_start=brief.period.since,
            period_end=brief.period.until,
            status="sending",
            attempts=1,
            claimed_at=now,
        ),
    )
    return True


def message(session: Session, brief: DueBrief, now: datetime) -> Message:
    """Render the region's brief as PDF with the owner's scope; the e-mail carrying it."""
    found = _owner(session, brief.subscription_id)
    if found is None:
        raise LookupError(f"subscription {brief.subscription_id} is gone")
    name, owner = found
    # Built with the owner's principal: every figure in it is scoped to their key.
    file = service.make(session, owner, brief.region_code, brief.period, "pdf", now)
    code = brief.region_code
    last_day = brief.period.until - timedelta(seconds=1)
    # "01-12-2026 – 07-12-2026 WIB": local dates, the zone said once.
    first = local(brief.period.since, code, "%d-%m-%Y").rsplit(" ", 1)[0]
    period = f"{first} – {local(last_day, code, '%d-%m-%Y')}"
    words = {"region": file.region_name, "period": period}
    text = translate("id", "brief.email_text").format(
        **words, subscription=name, id=brief.subscription_id
    )
    return Message(
        payload={
            "subscription_id": brief.subscription_id,
            "region_code": code,
            "region_name": file.region_name,
            "period_start": brief.period.since.isoformat(),
            "period_end": brief.period.until.isoformat(),
        },
        text=text,
        subject=translate("id", "brief.email_subject").format(**words),
        attachments=(Attachment(file.filename, file.media_type, file.content),),
    )


def finish(session: Session, brief: DueBrief, error: str | None, now: datetime) -> None:
    """Record a claimed brief as sent, or as failed with a short reason (retried later)."""
    if error is None:
        repository.finish_send(session, brief.key, "sent", None, now)
    else:
        repository.finish_send(session, brief.key, "failed", error[:500], None)
