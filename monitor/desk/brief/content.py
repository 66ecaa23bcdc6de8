"""What the brief says: gathered once, scoped by the caller, rendered as HTML and PDF."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from classifiers.contracts import LABELS
from monitor.core.i18n import translate
from monitor.core.localtime import local, tz_of, zone_of
from monitor.desk import figures
from monitor.desk import figures_repository as queries
from monitor.desk.brief import repository
from monitor.keys.principal import SYSTEM, Principal
from monitor.regions import repository as regions
from monitor.reviews.effective import DECIDED, as_json, standing_labels

DEFAULT_DAYS = 7
TOP = 5
PEER_LEVEL = {"province": "province", "regency": "kabupaten", "city": "kabupaten"}


class BriefLevelError(ValueError):
    """Briefs are written for provinces and kabupaten/kota only."""


@dataclass
class Brief:
    """Everything one brief shows, already in the reader's terms (names, labels, local time)."""

    code: str
    name: str
    level: str
    since: datetime
    until: datetime
    zone: str
    generated: str
    volume: int
    flagged: int
    label_source: dict[str, int]
    narratives: list[dict[str, Any]]
    confirmed: list[dict[str, Any]]  # per label: name, confirmed, flagged, by reviewer/model
    days: list[date]
    daily: dict[str, dict[date, int]]  # confirmed (or escalated) per label per local day
    debunks: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    rank: int | None
    peers: int
    peer_scope: str
    children: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing flagged, no narrative, no alert: the brief says so plainly."""
        return not (self.flagged or self.narratives or self.alerts or self.debunks)

    def period_text(self) -> str:
        """The period in local time, e.g. '01-12-2026 00:00 WIB – 08-12-2026 00:00 WIB'."""
        return f"{local(self.since, self.code)} – {local(self.until, self.code)}"


def build(
    session: Session, principal: Principal, code: str, period: figures.Period, now: datetime
) -> Brief:
    """Gather a region's brief; RegionNotFound/OutOfScope as for the region figures."""
    summary = figures.summary(session, principal, code, period, top=TOP)
    if summary["level"] not in PEER_LEVEL:
        raise BriefLevelError(f"{code} is a {summary['level']}: choose a province or kabupaten")
    days, daily = _daily(session, principal, code, period)
    rank, peers = _rank(session, code, summary["level"], period)
    return Brief(
        code=code,
        name=summary["name"],
        level=summary["level"],
        since=period.since,
        until=period.until,
        zone=zone_of(code),
        generated=local(now, code),
        volume=summary["volume"],
        flagged=summary["flagged"],
        label_source=summary["label_source"],
        narratives=_narratives(session, principal, code, summary["top_clusters"]),
        confirmed=_confirmed(summary["labels"]),
        days=days,
        daily=daily,
        debunks=_debunks(session, principal, code, period),
        alerts=_alerts(session, principal, code, period),
        rank=rank,
        peers=peers,
        peer_scope=_peer_scope(session, code, summary["level"]),
        children=summary["children"][:10],
    )


def _narratives(
    session: Session, principal: Principal, code: str, clusters: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    texts = repository.cluster_examples(session, principal, code, [c["id"] for c in clusters])
    return [
        {**c, "text": _short(texts.get(c["id"], ""), 280), "rate": _decimal(c["growth_rate"])}
        for c in clusters
    ]


def _confirmed(labels: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    return [
        {
            "label": label,
            "name": translate("id", f"label.{label}"),
            "confirmed": labels.get(label, {}).get("confirmed", 0),
            "escalated": labels.get(label, {}).get("escalated", 0),
            "flagged": labels.get(label, {}).get("flagged", 0),
            "reviewer": labels.get(label, {}).get("reviewer", 0),
            "model": labels.get(label, {}).get("model", 0),
        }
        for label in LABELS
    ]


def _daily(
    session: Session, principal: Principal, code: str, period: figures.Period
) -> tuple[list[date], dict[str, dict[date, int]]]:
    """Reviewer-decided items per label per local day (the trend charts)."""
    zone = tz_of(code)
    first, last = period.since.astimezone(zone).date(), period.until.astimezone(zone).date()
    if period.until.astimezone(zone).time() == datetime.min.time():
        last -= timedelta(days=1)  # a period ending at midnight does not include that day
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    daily: dict[str, dict[date, int]] = {label: defaultdict(int) for label in LABELS}
    for _pid, model, status, reviewed, at in queries.flagged_rows(
        session, principal, code, period.since, period.until
    ):
        if status not in DECIDED:
            continue
        labels, _who = standing_labels(as_json(model), status, _maybe(reviewed))
        for label in labels:
            daily.setdefault(label, defaultdict(int))[at.astimezone(zone).date()] += 1
    return days, {k: dict(v) for k, v in daily.items()}


def _debunks(
    session: Session, principal: Principal, code: str, period: figures.Period
) -> list[dict[str, Any]]:
    posts: dict[str, set[int]] = defaultdict(set)
    info: dict[str, dict[str, Any]] = {}
    for pid, explanation in repository.debunk_matches(
        session, principal, code, period.since, period.until
    ):
        match = (explanation or {}).get("factcheck")
        if not isinstance(match, dict) or not match.get("id"):
            continue
        key = str(match["id"])
        posts[key].add(int(pid))
        info.setdefault(key, match)
    ranked = sorted(posts, key=lambda k: (-len(posts[k]), k))[:10]
    return [
        {
            "title": _short(str(info[k].get("title") or ""), 200),
            "publisher": info[k].get("publisher") or "",
            "verdict": info[k].get("verdict") or "",
            "url": _safe_url(info[k].get("url")),
            "posts": len(posts[k]),
        }
        for k in ranked
    ]


def _alerts(
    session: Session, principal: Principal, code: str, period: figures.Period
) -> list[dict[str, Any]]:
    return [
        {
            "when": local(a.window_start, a.region_code),
            "rule": translate("id", f"rule.{a.rule}"),
            "region": a.payload.get("region_name") or a.region_code,
            "label": translate("id", f"label.{a.label}") if a.label else "—",
            "summary": a.summary,
            "status": translate("id", f"alertstatus.{a.status}"),
        }
        for a in repository.open_alerts(session, principal, code, period.since, period.until)
    ]


def _rank(
    session: Session, code: str, level: str, period: figures.Period
) -> tuple[int | None, int]:
    # The rank among peers is computed over all peers (SYSTEM), but only the position and the
    # number of peers are shown: a liaison learns nothing about another region's figures.
    rows = figures.ranking(session, SYSTEM, PEER_LEVEL[level], period)
    if level != "province":
        rows = [r for r in rows if r["code"].split(".")[0] == code.split(".")[0]]
    order = [r["code"] for r in rows]
    return (order.index(code) + 1 if code in order else None), len(order)


def _peer_scope(session: Session, code: str, level: str) -> str:
    if level == "province":
        return "provinsi di Indonesia"
    parent = regions.get_region(session, code.split(".")[0])
    return f"kabupaten/kota di {parent.name if parent else code.split('.')[0]}"


def _maybe(labels: Any) -> list[str] | None:
    return None if labels is None else as_json(labels)


def _short(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _decimal(x: float) -> str:
    return f"{x:.1f}".replace(".", ",")


def _safe_url(url: Any) -> str | None:
    # Only web links become links in a document people click (no javascript: or data:).
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


def totals(brief: Brief) -> Counter[str]:
    """Confirmed and escalated items over all labels (the brief's headline figure)."""
    out: Counter[str] = Counter()
    for row in brief.confirmed:
        out["confirmed"] += row["confirmed"]
        out["escalated"] += row["escalated"]
    return out
