"""Region figures: a region's summary and the vulnerability ranking, scoped by the caller."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from classifiers.contracts import LABELS
from monitor.alerts import repository as alert_repository
from monitor.clusters.scoped import figures as cluster_figures
from monitor.core.localtime import local_iso, to_local, zone_of
from monitor.desk import figures_repository as queries
from monitor.keys.principal import Principal
from monitor.regions import repository
from monitor.reviews.effective import MODEL, REVIEWER, as_json, standing_labels

STATUSES = ("confirmed", "dismissed", "escalated")
# Why a floor on volume: a region with 3 posts and 1 confirmed flag is noise, not a hot spot.
MIN_VOLUME = 20
RANK_LEVELS = {"province": (2, ("province",)), "kabupaten": (5, ("regency", "city"))}


class RegionNotFound(LookupError):
    """The region code does not exist."""


class OutOfScope(PermissionError):
    """The caller's key does not cover this region."""


@dataclass(frozen=True)
class Period:
    """A half-open time window [since, until)."""

    since: datetime
    until: datetime


def summary(
    session: Session, principal: Principal, code: str, period: Period, top: int = 10
) -> dict[str, Any]:
    """Return per-label review counts, top clusters and sources, daily trend and children."""
    region = repository.get_region(session, code)
    if region is None:
        raise RegionNotFound(code)
    if not principal.covers(code):
        raise OutOfScope(code)
    since, until = period.since, period.until
    # Days are the region's local days (WIB/WITA/WIT): a post at 23:30 UTC is tomorrow in WIB.
    zone = zone_of(code)
    per_label: dict[str, Counter[str]] = {label: Counter() for label in LABELS}
    trend: dict[str, Counter[str]] = defaultdict(Counter)
    rows = queries.flagged_rows(session, principal, code, since, until)
    who: Counter[str] = Counter()
    for _pid, model, status, reviewed, at in rows:
        day = to_local(at, zone).date().isoformat()
        if status in STATUSES:
            trend[day][status] += 1
        labels, source = standing_labels(as_json(model), status, _maybe(reviewed))
        if status == "dismissed":
            # Dismissed items count as not flagged; their model labels show the false alarms.
            for label in as_json(model):
                per_label.setdefault(label, Counter())["dismissed"] += 1
            continue
        trend[day]["flagged"] += 1
        who[source] += 1
        for label in labels:
            counts = per_label.setdefault(label, Counter())
            counts["flagged"] += 1
            counts[source] += 1
            if status in STATUSES:
                counts[status] += 1
    flagged = sum(who.values())
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "since": since.isoformat(),
        "until": until.isoformat(),
        "timezone": zone,
        "since_local": local_iso(since, zone),
        "until_local": local_iso(until, zone),
        "volume": queries.post_volume(session, principal, code, since, until),
        "flagged": flagged,
        # Who decided the flagged posts' labels: reviewers where they did, else the model.
        "label_source": {REVIEWER: who[REVIEWER], MODEL: who[MODEL]},
        "labels": {
            label: {k: c.get(k, 0) for k in ("flagged", *STATUSES, REVIEWER, MODEL)}
            for label, c in per_label.items()
        },
        "trend": [{"day": day, **dict(trend[day])} for day in sorted(trend)],
        "top_clusters": _top_clusters(session, principal, code, period, top),
        "top_sources": [
            {"id": sid, "name": name, "flagged": n}
            for sid, name, n in queries.top_sources(session, principal, code, since, until, top)
        ],
        "children": _children(session, principal, code, since, until),
    }


def _maybe(labels: Any) -> list[str] | None:
    return None if labels is None else as_json(labels)


def _top_clusters(
    session: Session, principal: Principal, code: str, period: Period, top: int
) -> list[dict[str, Any]]:
    rows = queries.top_clusters(session, principal, code, period.since, period.until, top)
    out = [
        {"id": cid, "size": size, "growth_rate": rate, "n_regions": nreg, "flagged": n}
        for cid, size, rate, nreg, n in rows
    ]
    if principal.region_limited:
        # A liaison sees size, growth and reach over the copies in their regions only.
        scoped = cluster_figures(session, [r["id"] for r in out], principal.regions)
        for r in out:
            f = scoped[r["id"]]
            r.update(size=f.size, growth_rate=f.growth_rate, n_regions=f.n_regions)
    return out


def _children(
    session: Session, principal: Principal, code: str, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    depth = code.count(".") + 1
    kids = repository.children_of(session, code, ("regency", "city", "district"))
    posts: dict[str, set[int]] = defaultdict(set)
    flagged: dict[str, set[int]] = defaultdict(set)
    confirmed: dict[str, set[int]] = defaultdict(set)
    for pid, rcode, is_flagged, status in queries.tagged_rows_below(
        session, principal, code, since, until
    ):
        child = ".".join(rcode.split(".")[: depth + 1])
        posts[child].add(pid)
        if is_flagged:
            flagged[child].add(pid)
        if status == "confirmed":
            confirmed[child].add(pid)
    out: list[dict[str, Any]] = [
        {
            "code": k.code,
            "name": k.name,
            "level": k.level,
            "posts": len(posts[k.code]),
            "flagged": len(flagged[k.code]),
            "confirmed": len(confirmed[k.code]),
        }
        for k in kids
        if principal.covers(k.code)
    ]
    out.sort(key=lambda r: (-r["flagged"], -r["posts"], r["code"]))
    return out


def ranking(
    session: Session, principal: Principal, level: str, period: Period, use_ikp: bool = True
) -> list[dict[str, Any]]:
    """Rank the regions the caller may see by vulnerability score, highest first.

    score = 1000 * confirmed flags / max(volume, MIN_VOLUME), summed over labels, times
    (1 + IKP/100) when an IKP score was imported and `use_ikp` is set. Rows also carry
    flagged posts and unresolved alerts, which break ties in the ranking.
    """
    if level not in RANK_LEVELS:
        raise ValueError(f"level must be one of {sorted(RANK_LEVELS)}")
    key_len, levels = RANK_LEVELS[level]
    since, until = period.since, period.until
    volume = queries.volume_by_key(session, principal, key_len, since, until)
    confirmed: dict[str, Counter[str]] = defaultdict(Counter)
    for key, _pid, labels in queries.confirmed_by_key(session, principal, key_len, since, until):
        for label in as_json(labels):
            confirmed[key][label] += 1
    flagged = queries.flagged_by_key(session, principal, key_len, since, until)
    # Why alerts in the table: a fresh burst is flagged but not yet confirmed, so it has no
    # score yet; the liaison must still see where it is.
    alerts = alert_repository.open_alerts_by_key(session, principal, key_len, since)
    ikp = repository.ikp_scores(session) if use_ikp else {}
    table: list[dict[str, Any]] = []
    for region in repository.regions_at(session, levels):
        if not principal.covers(region.code):
            continue
        vol = volume.get(region.code, 0)
        per_label = {
            label: round(1000 * confirmed[region.code].get(label, 0) / max(vol, MIN_VOLUME), 3)
            for label in LABELS
        }
        weight = 1 + ikp[region.code] / 100 if region.code in ikp else 1.0
        table.append(
            {
                "code": region.code,
                "name": region.name,
                "level": region.level,
                "volume": vol,
                "flagged": flagged.get(region.code, 0),
                "open_alerts": alerts.get(region.code, 0),
                "confirmed": dict(confirmed[region.code]),
                "rate_per_1000": per_label,
                "ikp": ikp.get(region.code),
                "score": round(sum(per_label.values()) * weight, 3),
            }
        )
    # Ties on score (often all zero early in a campaign) go to open alerts, then flags.
    table.sort(
        key=lambda r: (-r["score"], -r["open_alerts"], -r["flagged"], -r["volume"], r["code"])
    )
    for i, row in enumerate(table, start=1):
        row["rank"] = i
    return table
