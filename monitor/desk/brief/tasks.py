"""The scheduled job that e-mails each subscribed region's weekly brief (once per period)."""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError

from monitor.alerts.channels import DeliveryError, send_email
from monitor.core.base import utcnow
from monitor.core.runtime import Runtime
from monitor.desk.brief import mailing
from monitor.desk.figures import OutOfScope, RegionNotFound

log = logging.getLogger(__name__)


def brief_job(rt: Runtime) -> int:
    """Send every due brief e-mail; return how many were sent by this scheduler."""
    now = utcnow()
    with rt.session() as s:
        todo = mailing.due(s, rt.settings, now)
    sent = 0
    for brief in todo:
        # The claim commits before the slow part, so another scheduler sees it and skips.
        try:
            with rt.session() as s:
                if not mailing.claim(s, brief, now):
                    continue
        except IntegrityError:
            continue  # another scheduler claimed this brief first
        error: str | None = None
        try:
            with rt.session() as s:
                msg = mailing.message(s, brief, now)
            send_email(brief.target, msg, rt.settings)
        except Exception as exc:
            # Why the type only: SMTP errors can carry addresses or credentials.
            error = f"{type(exc).__name__}: {str(exc)[:200]}" if _safe(exc) else type(exc).__name__
            log.warning(
                "brief e-mail failed",
                extra={"subscription": brief.subscription_id, "region": brief.region_code,
                       "error": error},
            )  # fmt: skip
        with rt.session() as s:
            mailing.finish(s, brief, error, utcnow())
        sent += error is None
    if sent:
        log.info("brief e-mails sent", extra={"sent": sent})
    return sent


def _safe(exc: Exception) -> bool:
    # Our own errors say what went wrong without secrets (DeliveryError redacts, scope errors
    # name a region code); anything else is reported by its type only.
    return isinstance(exc, DeliveryError | OutOfScope | RegionNotFound | LookupError)
