"""Make a brief file: the one entry point the API, the liaison page, the CLI and the job use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from monitor.desk.brief import render
from monitor.desk.brief.content import DEFAULT_DAYS, build
from monitor.desk.figures import Period
from monitor.keys.principal import Principal

FORMATS = {"pdf": "application/pdf", "html": "text/html; charset=utf-8"}


@dataclass(frozen=True)
class BriefFile:
    """A rendered brief and how to serve or attach it."""

    content: bytes
    media_type: str
    filename: str
    region_name: str = ""


def default_period(now: datetime, days: int = DEFAULT_DAYS) -> Period:
    """The last `days` days up to now (the weekly brief's window)."""
    return Period(since=now - timedelta(days=days), until=now)


def make(
    session: Session, principal: Principal, code: str, period: Period, fmt: str, now: datetime
) -> BriefFile:
    """Render a region's brief as PDF or HTML; raises the region figures' scope errors."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    brief = build(session, principal, code, period, now)
    document = render.html(brief)
    content = render.pdf(document) if fmt == "pdf" else document.encode()
    day = period.until.strftime("%Y-%m-%d")
    name = f"laporan-deteksi-dini-{code}-{day}.{fmt}"
    return BriefFile(content, FORMATS[fmt], name, brief.name)
