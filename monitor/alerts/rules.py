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
from monitor.core.i18n import translate
from monitor.core.localtime import local
from monitor.reviews.effective import as_json, split, standing_labels

RULES: tuple[str, ...] = ("volume_spike", "reviewed_item", "cluster_spread")
# Raised by other domains' jobs through `service.raise_alert` (not evaluated here), but
# subscribable like the rules above.
RAISED_ELSEWHERE: tuple[str, ...] = ("score_drift",)


@dataclass(frozen=True)
class RuleConfig:
    """Thresholds for the rules (defaults suit a national deployment)."""

    window: timedelta = timedelta(hours=1)
    # How far back in publication time a late-collected burst is still looked for.
    lookback: timedelta = timedelta(hours=6)
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


@dataclass
class _Flag:
    """One flagged post as the spike rule sees it."""

    labels: list[str]
    source: str  # who decided the labels: reviewer or model
    at: datetime  # event time
    fresh: bool  # collected within the last window (new evidence since the last runs)
    codes: set[str] = field(default_factory=set)


def _flags(rows: Iterable[Any], fresh_since: datetime) -> dict[int, _Flag]:
    posts: dict[int, _Flag] = {}
    for pid, model, status, reviewed, at, fetched, code in rows:
        flag = posts.get(pid)
        if flag is None:
            labels, source = standing_labels(as_json(model), status, _maybe(reviewed))
            flag = posts[pid] = _Flag(labels, source, at, fetched >= fresh_since)
        flag.codes.add(code)
    return posts


def _maybe(labels: Any) -> list[str] | None:
    return None if labels is None else as_json(labels)


def _densest(events: list[tuple[datetime, bool, int]], window: timedelta) -> tuple[int, int]:
    """Indexes [i, j] of the fullest window holding a fresh post (events sorted by time)."""
    best = (0, -1)
    i = 0
    fresh_in = 0
    for j, (at, fresh, _pid) in enumerate(events):
        fresh_in += fresh
        while at - events[i][0] >= window:
            fresh_in -= events[i][1]
            i += 1
        if fresh_in and j - i > best[1] - best[0]:
            best = (i, j)
    return best


def _names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    return repository.region_names(session, list(codes))


def _label_text(label: str | None) -> str:
    return translate("id", f"label.{label or 'unlabelled'}")


def _number(x: float) -> str:
    # Indonesian decimal comma: "7,0 salinan/jam".
    return f"{x:.1f}".replace(".", ",")


Event = tuple[datetime, bool, int]  # (event time, collected in the last window, post id)


def _events(
    session: Session, now: datetime, cfg: RuleConfig
) -> tuple[dict[int, _Flag], dict[tuple[str, str], list[Event]]]:
    posts = _flags(repository.flagged_since(session, now - cfg.lookback, now), now - cfg.window)
    events: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for pid, flag in posts.items():
        keys = alert_regions(flag.codes)
        # Province totals count every post in the province once, whatever its tags.
        keys |= {c.split(".")[0] for c in flag.codes}
        for label in flag.labels:
            for key in keys:
                events[(key, label)].append((flag.at, flag.fresh, pid))
    for evs in events.values():
        evs.sort()
    return posts, events


def _covered(
    session: Session, since: datetime, events: dict[tuple[str, str], list[Event]]
) -> tuple[dict[tuple[str, str], set[int]], list[tuple[str, str, datetime, datetime]]]:
    """Posts inside earlier spike alerts' windows (that burst's, not a new one's)."""
    covered: dict[tuple[str, str], set[int]] = defaultdict(set)
    windows = []
    for region, label, ws, we in repository.spike_windows_since(session, since):
        key = (str(region), str(label))
        windows.append((*key, ws, we))
        ids = {pid for at, _f, pid in events.get(key, []) if ws <= at < we}
        covered[key] |= ids
        # A kabupaten's burst is its province's burst too (the province alert was withheld).
        covered[(key[0].split(".")[0], key[1])] |= ids
    return covered, windows


def volume_spikes(session: Session, now: datetime, cfg: RuleConfig) -> list[AlertDraft]:
    """Rule 1: flags per region and label in a sliding window against the region's baseline.

    Windows slide over publication time, so a burst that crosses an hour boundary or is
    collected late (published 21:23-21:58, collected 22:13) is seen whole. A window must hold
    a post collected within the last window (old bursts were judged when they arrived); posts
    inside an earlier spike alert's window belong to that alert, which later runs update.
    """
    scan = now - cfg.lookback
    posts, events = _events(session, now, cfg)
    # The baseline is counted in the database (same keys: kabupaten/kota and province, each
    # post once per key), so a busy week costs one grouped query, not a week of rows.
    baseline: dict[tuple[str, str], int] = defaultdict(int)
    for key, model, reviewed, n in repository.baseline_counts(session, scan - cfg.baseline, scan):
        for label in as_json(reviewed) if reviewed is not None else as_json(model):
            baseline[(key, label)] += int(n)
    covered, windows = _covered(session, scan, events)
    names = _names(session, {k for k, _ in events})
    spike = _Spike(posts, names, cfg, scan)
    drafts: list[AlertDraft] = []
    # Digest: a live alert's window is recounted, so later copies update that one alert.
    for region, label, ws, we in windows:
        inside = [e for e in events.get((region, label), []) if ws <= e[0] < we]
        if inside and we > now - cfg.window:
            lam = _rate(baseline[(region, label)], events[(region, label)], ws, scan, cfg)
            drafts.append(spike.draft(region, label, inside, lam, (ws, we)))
    fired_kab: set[tuple[str, str]] = set()
    # Kabupaten first: a burst in one kabupaten is reported there, not again as a province.
    for (region, label), every in sorted(events.items(), key=lambda kv: (-len(kv[0][0]), kv[0])):
        seen = covered.get((region, label), set())
        evs = [e for e in every if e[2] not in seen]
        i, j = _densest(evs, cfg.window) if evs else (0, -1)
        count = j - i + 1
        if count < cfg.min_count:
            continue
        province = region.split(".")[0]
        if "." not in region and (province, label) in fired_kab:
            continue
        lam = _rate(baseline[(region, label)], every, evs[i][0], scan, cfg)
        if poisson_sf(count, lam) >= cfg.p_value:
            continue
        if "." in region:
            fired_kab.add((province, label))
        drafts.append(spike.draft(region, label, evs[i : j + 1], lam, None))
    return drafts


def _rate(base: int, every: list[Event], start: datetime, scan: datetime, cfg: RuleConfig) -> float:
    """Expected flags per window before `start`: the week before the scan plus the scan so far."""
    before = base + sum(1 for at, _f, _p in every if at < start)
    return max(before / ((cfg.baseline + (start - scan)) / cfg.window), cfg.min_rate)


@dataclass
class _Spike:
    """Builds spike drafts with Indonesian texts and the reviewer/model split."""

    posts: dict[int, _Flag]
    names: dict[str, str]
    cfg: RuleConfig
    scan: datetime

    def draft(
        self,
        region: str,
        label: str,
        evs: list[Event],
        lam: float,
        window: tuple[datetime, datetime] | None,
    ) -> AlertDraft:
        """One spike alert over `evs` (window: an existing alert's, or from the first post)."""
        start, end = window or (evs[0][0], evs[0][0] + self.cfg.window)
        pids = sorted({pid for _at, _f, pid in evs})
        who = split(self.posts[pid].source for pid in pids)
        name = self.names.get(region, region)
        count = len(pids)
        return AlertDraft(
            rule="volume_spike",
            region_code=region,
            label=label,
            window_start=start,
            window_end=end,
            summary=translate("id", "alert.spike").format(
                count=count,
                label=_label_text(label),
                region=name,
                minutes=int(self.cfg.window.total_seconds() // 60),
                start=local(evs[0][0], region),
                split=translate("id", "figures.split").format(**who),
                expected=_number(lam),
            ),
            payload={
                "count": count,
                "expected": round(lam, 3),
                "p_value": poisson_sf(count, lam),
                "post_ids": pids[:50],
                "region_name": name,
                "label_source": who,
                "first_event": evs[0][0].isoformat(),
                "last_event": evs[-1][0].isoformat(),
            },
        )


def reviewed_items(session: Session, now: datetime, cfg: RuleConfig) -> list[AlertDraft]:
    """Rule 2: a confirmed or escalated item in a region (digested per window)."""
    start = window_start(now, cfg.window)
    rows = repository.reviewed_since(session, start, now)
    grouped: dict[tuple[str, str], dict[int, str]] = defaultdict(dict)
    codes_of: dict[int, set[str]] = defaultdict(set)
    meta: dict[int, tuple[list[str], str]] = {}
    for pid, labels, status, _at, code in rows:
        codes_of[pid].add(code)
        # The reviewer's labels, not the model's: a relabel is what the liaison must read.
        meta[pid] = (as_json(labels), status)
    for pid, codes in codes_of.items():
        labels, status = meta[pid]
        for region in alert_regions(codes):
            for label in labels or ["unlabelled"]:
                grouped[(region, label)][pid] = status
    names = _names(session, {region for region, _ in grouped})
    return [
        AlertDraft(
            rule="reviewed_item",
            region_code=region,
            label=label,
            window_start=start,
            window_end=start + cfg.window,
            summary=translate("id", "alert.reviewed").format(
                count=len(items), label=_label_text(label), region=names.get(region, region)
            ),
            payload={
                "post_ids": sorted(items)[:50],
                "statuses": sorted(set(items.values())),
                "region_name": names.get(region, region),
                "label_source": {"reviewer": len(items), "model": 0},
            },
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
    names = _names(session, {row[4] for row in rows})
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
                summary=translate("id", "alert.spread").format(
                    cluster=cid,
                    region=names.get(province, province),
                    rate=_number(f.growth_rate),
                    regions=f.n_regions,
                    size=f.size,
                ),
                payload={
                    "cluster_id": cid,
                    "region_name": names.get(province, province),
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
