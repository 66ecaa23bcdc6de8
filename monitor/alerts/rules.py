"""The three alert rules: volume spike, reviewed item, spreading cluster."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from monitor.alerts import repository
from monitor.clusters.scoped import figures as cluster_figures

RULES: tuple[str, ...] = ("volume_spike", "reviewed_item", "cluster_spread")
# Raised by other domains' jobs through `service.raise_alert` (not evaluated here), but
# subscribable like the rules above.
RAISED_ELSEWHERE: tuple[str, ...] = ("score_drift",)


@dataclass(frozen=True)
class RuleConfig:
    """Thresholds for the rules (defaults suit a national deployment)."""

    window: timedelta = timedelta(hours=1)
    baseline: timedelta = timedelta(days=7)
    # A spike needs at least this many flags in the window, however quiet the baseline.
    min_count: int = 5
    # One-sided Poisson tail probability below which a count is a spike.
    p_value: float = 0.001
    # Expected flags per window never drops below this (a silent region is not "rate 0").
    min_rate: float = 0.2
    cluster_rate: float = 20.0  # copies per hour
    cluster_regions: int = 5


@dataclass
class AlertDraft:
    """An alert a rule wants raised; the service de-duplicates it by key."""

    rule: str
    region_code: str
    label: str | None
    window_start: datetime
    window_end: datetime
    summary: str
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def dedup_key(self) -> str:
        """One alert per rule, region, label and window."""
        scope = self.payload.get("cluster_id", "")
        start = self.window_start.isoformat()
        return f"{self.rule}:{self.region_code}:{self.label or '-'}:{scope}:{start}"


def poisson_sf(k: int, lam: float) -> float:
    """P(X >= k) for X ~ Poisson(lam), computed in log space (stable for large k)."""
    if k <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    log_lam = math.log(lam)
    if k > lam:
        # Upper tail summed directly: 1 - P(X < k) would round a tiny p-value to 0.
        log_term = -lam + k * log_lam - math.lgamma(k + 1)
        total = term = math.exp(log_term)
        i = k
        while term > total * 1e-17:
            i += 1
            log_term += log_lam - math.log(i)
            term = math.exp(log_term)
            total += term
        return min(1.0, total)
    log_term = -lam
    lower = math.exp(log_term)
    for i in range(1, k):
        log_term += log_lam - math.log(i)
        lower += math.exp(log_term)
    return max(0.0, 1.0 - lower)


def window_start(now: datetime, window: timedelta) -> datetime:
    """Align a time to the start of its window (so every evaluator agrees on the key)."""
    epoch = datetime(1970, 1, 1, tzinfo=now.tzinfo)
    step = int(window.total_seconds())
    return epoch + timedelta(seconds=(int((now - epoch).total_seconds()) // step) * step)


def alert_regions(codes: Iterable[str]) -> set[str]:
    """Kabupaten/kota keys of a post's tags, or the province where no finer tag exists."""
    kab = {".".join(c.split(".")[:2]) for c in codes if "." in c}
    provinces = {c for c in codes if "." not in c}
    return kab | {p for p in provinces if not any(k.startswith(p + ".") for k in kab)}


def _posts_by_region(rows: Iterable[Any]) -> dict[int, tuple[list[str], datetime, set[str]]]:
    posts: dict[int, tuple[list[str], datetime, set[str]]] = {}
    for pid, labels, at, code in rows:
        entry = posts.setdefault(pid, (list(labels or []), at, set()))
        entry[2].add(code)
    return posts


def volume_spikes(session: Session, now: datetime, cfg: RuleConfig) -> list[AlertDraft]:
    """Rule 1: flags per region and label in this window against the region's own baseline."""
    start = window_start(now, cfg.window)
    posts = _posts_by_region(repository.flagged_since(session, start, now))
    current: dict[tuple[str, str], list[int]] = defaultdict(list)
    for pid, (labels, _at, codes) in posts.items():
        keys = alert_regions(codes)
        # Province totals count every post in the province once, whatever its tags.
        keys |= {c.split(".")[0] for c in codes}
        for label in labels:
            for key in keys:
                current[(key, label)].append(pid)
    # The baseline is counted in the database (same keys: kabupaten/kota and province, each
    # post once per key), so a busy week costs one grouped query, not a week of rows.
    baseline: dict[tuple[str, str], int] = defaultdict(int)
    for key, labels, n in repository.baseline_counts(session, start - cfg.baseline, start):
        for label in labels or []:
            baseline[(key, label)] += int(n)
    windows = cfg.baseline / cfg.window
    drafts: list[AlertDraft] = []
    fired_kab: set[tuple[str, str]] = set()
    # Kabupaten first: a burst in one kabupaten is reported there, not again as a province.
    for (region, label), pids in sorted(current.items(), key=lambda kv: -len(kv[0][0])):
        count = len(pids)
        if count < cfg.min_count:
            continue
        province = region.split(".")[0]
        if "." not in region and (province, label) in fired_kab:
            continue
        lam = max(baseline[(region, label)] / windows, cfg.min_rate)
        p = poisson_sf(count, lam)
        if p >= cfg.p_value:
            continue
        if "." in region:
            fired_kab.add((province, label))
        drafts.append(
            AlertDraft(
                rule="volume_spike",
                region_code=region,
                label=label,
                window_start=start,
                window_end=start + cfg.window,
                summary=f"{count} {label} flags in {region} this window (expected {lam:.1f})",
                payload={
                    "count": count,
                    "expected": round(lam, 3),
                    "p_value": p,
                    "post_ids": sorted(pids)[:50],
                },
            )
        )
    return drafts


def reviewed_items(session: Session, now: datetime, cfg: RuleConfig) -> list[AlertDraft]:
    """Rule 2: a confirmed or escalated item in a region (digested per window)."""
    start = window_start(now, cfg.window)
    rows = repository.reviewed_since(session, start, now)
    grouped: dict[tuple[str, str], dict[int, str]] = defaultdict(dict)
    codes_of: dict[int, set[str]] = defaultdict(set)
    meta: dict[int, tuple[list[str], str]] = {}
    for pid, labels, status, _at, code in rows:
        codes_of[pid].add(code)
        meta[pid] = (list(labels or []), status)
    for pid, codes in codes_of.items():
        labels, status = meta[pid]
        for region in alert_regions(codes):
            for label in labels or ["unlabelled"]:
                grouped[(region, label)][pid] = status
    return [
        AlertDraft(
            rule="reviewed_item",
            region_code=region,
            label=label,
            window_start=start,
            window_end=start + cfg.window,
            summary=f"{len(items)} {label} item(s) confirmed or escalated in {region}",
            payload={"post_ids": sorted(items)[:50], "statuses": sorted(set(items.values()))},
        )
        for (region, label), items in sorted(grouped.items())
    ]


def spreading_clusters(session: Session, now: datetime, cfg: RuleConfig) -> list[AlertDraft]:
    """Rule 3: a cluster growing faster than N copies/hour or reaching M regions."""
    start = window_start(now, timedelta(days=1))
    rows = repository.spreading_clusters(
        session, now - cfg.window, cfg.cluster_rate, cfg.cluster_regions
    )
    drafts = []
    for cid, _rate, _n_regions, _size, province in rows:
        # The alert is read by the province's liaisons: its figures count that province's
        # copies only, never the whole cluster (issue 13).
        f = cluster_figures(session, [cid], (province,))[cid]
        drafts.append(
            AlertDraft(
                rule="cluster_spread",
                region_code=province,
                label=None,
                window_start=start,
                window_end=start + timedelta(days=1),
                summary=(
                    f"cluster {cid} spreading in {province}: {f.growth_rate:.1f} copies/hour, "
                    f"{f.n_regions} regions, {f.size} copies"
                ),
                payload={
                    "cluster_id": cid,
                    "growth_rate": f.growth_rate,
                    "n_regions": f.n_regions,
                    "size": f.size,
                },
            )
        )
    return drafts


EVALUATORS = {
    "volume_spike": volume_spikes,
    "reviewed_item": reviewed_items,
    "cluster_spread": spreading_clusters,
}
