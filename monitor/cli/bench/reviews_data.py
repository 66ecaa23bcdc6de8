"""Synthetic review data for `waspada bench api`: realistic label, status and region mix."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select

from monitor.clusters.models import Cluster
from monitor.core.base import utcnow
from monitor.posts.models import Post, PostRegion
from monitor.predictions.models import Prediction
from monitor.regions.models import Region

# Kemendagri province codes with rough weights (population, millions): West Java, East and
# Central Java dominate online volume; Papua and North Kalimantan are small.
PROVINCES: tuple[tuple[str, str, float], ...] = (
    ("11", "Aceh", 5.4),
    ("12", "Sumatera Utara", 15.1),
    ("13", "Sumatera Barat", 5.6),
    ("14", "Riau", 6.6),
    ("15", "Jambi", 3.6),
    ("16", "Sumatera Selatan", 8.6),
    ("17", "Bengkulu", 2.0),
    ("18", "Lampung", 9.0),
    ("19", "Kepulauan Bangka Belitung", 1.5),
    ("21", "Kepulauan Riau", 2.1),
    ("31", "DKI Jakarta", 10.6),
    ("32", "Jawa Barat", 49.4),
    ("33", "Jawa Tengah", 37.5),
    ("34", "DI Yogyakarta", 3.7),
    ("35", "Jawa Timur", 41.1),
    ("36", "Banten", 12.3),
    ("51", "Bali", 4.3),
    ("52", "Nusa Tenggara Barat", 5.5),
    ("53", "Nusa Tenggara Timur", 5.5),
    ("61", "Kalimantan Barat", 5.5),
    ("62", "Kalimantan Tengah", 2.7),
    ("63", "Kalimantan Selatan", 4.1),
    ("64", "Kalimantan Timur", 3.8),
    ("65", "Kalimantan Utara", 0.7),
    ("71", "Sulawesi Utara", 2.6),
    ("72", "Sulawesi Tengah", 3.0),
    ("73", "Sulawesi Selatan", 9.1),
    ("74", "Sulawesi Tenggara", 2.7),
    ("75", "Gorontalo", 1.2),
    ("76", "Sulawesi Barat", 1.4),
    ("81", "Maluku", 1.8),
    ("82", "Maluku Utara", 1.3),
    ("91", "Papua", 4.3),
)
# Among flagged posts; hoaxes dominate election-season reports.
LABEL_WEIGHTS: dict[str, float] = {
    "hoax": 0.45,
    "black_campaign": 0.25,
    "money_politics": 0.18,
    "identity_politics": 0.12,
}
FLAGGED_SHARE = 0.15  # most collected posts are ordinary news
# Among flagged posts: the share that are copies of a narrative (clusters of 2-8 copies),
# so the grouped queue (`group=cluster`) has real groups to fold.
CLUSTERED_SHARE = 0.3
STATUS_WEIGHTS: dict[str, float] = {
    "new": 0.8,
    "confirmed": 0.1,
    "dismissed": 0.08,
    "escalated": 0.02,
}
WORDS = [
    "amplop",
    "serangan",
    "fajar",
    "bagi-bagi",
    "uang",
    "sembako",
    "caleg",
    "paslon",
    "tps",
    "kpu",
    "bawaslu",
    "surat",
    "suara",
    "dicoblos",
    "hoaks",
    "fitnah",
    "kafir",
    "pribumi",
    "asing",
    "kampanye",
    "debat",
    "warga",
    "desa",
    "kecamatan",
    "kabupaten",
    "pemilu",
    "pilkada",
    "quick",
    "count",
    "rekapitulasi",
    "saksi",
    "relawan",
]


@dataclass
class Seeded:
    """What the benchmark needs to know about the seeded data."""

    posts: int = 0
    flagged_new: list[int] = field(default_factory=list)  # decision targets (status new)
    flagged: list[int] = field(default_factory=list)  # detail targets (a sample)


def ensure_regions(conn: Connection) -> None:
    """Insert missing province rows and one synthetic city per province (posts point there)."""
    wanted = [(code, name, "province", None) for code, name, _ in PROVINCES] + [
        (f"{code}.71", f"Ibu kota {name}", "city", code) for code, name, _ in PROVINCES
    ]
    have = set(conn.scalars(select(Region.code).where(Region.code.in_([w[0] for w in wanted]))))
    rows = [
        {"code": code, "name": name, "level": level, "parent_code": parent}
        for code, name, level, parent in wanted
        if code not in have
    ]
    if rows:
        conn.execute(insert(Region), rows)


def _batches(n: int, batch: int, seed: int) -> Iterator[list[dict[str, Any]]]:
    rng = random.Random(seed)
    codes = [p[0] for p in PROVINCES]
    weights = [p[2] for p in PROVINCES]
    labels, lw = list(LABEL_WEIGHTS), list(LABEL_WEIGHTS.values())
    statuses, sw = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    now = utcnow()
    for start in range(0, n, batch):
        rows = []
        for i in range(start, min(n, start + batch)):
            flagged = rng.random() < FLAGGED_SHARE
            label = rng.choices(labels, lw)[0] if flagged else None
            score = round(rng.uniform(0.5, 0.99) if flagged else rng.uniform(0.0, 0.5), 4)
            text = " ".join(rng.choices(WORDS, k=rng.randint(12, 40)))
            rows.append(
                {
                    "platform": rng.choice(("rss", "wordpress", "mastodon", "telegram")),
                    "external_id": f"bench-{i}",
                    "url": f"https://bench.invalid/{i}",
                    "text": text,
                    "fetched_at": now - timedelta(seconds=rng.randint(0, 30 * 86400)),
                    "content_hash": hashlib.sha256(f"bench-{i}".encode()).hexdigest(),
                    "model_version": "bench",
                    "max_score": score,
                    # What scoring stores: only flagged posts get a prediction here, and the
                    # bench version has no card, so its threshold is the 0.5 fallback.
                    "uncertainty": round(abs(score - 0.5), 6) if flagged else None,
                    "flagged": flagged,
                    "labels": [label] if label else [],
                    "priority": round(score * rng.uniform(0.6, 1.0), 6) if flagged else 0.0,
                    "review_status": rng.choices(statuses, sw)[0] if flagged else "new",
                    "classified_at": now,
                    "cluster_id": None,
                    "_province": rng.choices(codes, weights)[0] if rng.random() < 0.9 else None,
                    "_label": label,
                }
            )
        yield rows


def _clusters(rows: list[dict[str, Any]], next_id: int, rng: random.Random) -> list[dict[str, Any]]:
    """Group a share of a batch's flagged rows into clusters; return the cluster rows."""
    flagged = [r for r in rows if r["flagged"] and rng.random() < CLUSTERED_SHARE]
    out: list[dict[str, Any]] = []
    while len(flagged) >= 2:
        members, flagged = flagged[: rng.randint(2, 8)], flagged[8:]
        seen = [m["fetched_at"] for m in members]
        out.append(
            {
                "id": next_id,
                "representative_post_id": members[0]["id"],
                "size": len(members),
                "first_seen": min(seen),
                "last_seen": max(seen),
                "n_sources": 1,
                "n_accounts": len(members),
                "n_regions": 1,
                "growth_rate": 0.0,
            }
        )
        for m in members:
            m["cluster_id"] = next_id
        next_id += 1
    return out


def seed(conn: Connection, n: int, batch: int = 20_000, seed: int = 7) -> Seeded:
    """Insert `n` posts with regions and predictions in batches; return ids to probe."""
    ensure_regions(conn)
    out = Seeded(posts=n)
    first = int(conn.scalar(select(func.coalesce(func.max(Post.id), 0))) or 0) + 1
    next_id = first
    next_cluster = int(conn.scalar(select(func.coalesce(func.max(Cluster.id), 0))) or 0) + 1
    rng = random.Random(seed + 1)
    for rows in _batches(n, batch, seed):
        regions, preds = [], []
        for row in rows:
            row["id"] = next_id
            next_id += 1
            province, label = row.pop("_province"), row.pop("_label")
            if province:
                regions.append(
                    {
                        "post_id": row["id"],
                        "region_code": f"{province}.71",
                        "province_code": province,
                        "origin": "text",
                        "evidence": "bench",
                    }
                )
            if label:
                preds.append(
                    {
                        "post_id": row["id"],
                        "label": label,
                        "score": row["max_score"],
                        "flagged": True,
                        "model_version": "bench",
                        "explanation": {"words": ["amplop"]},
                        "created_at": row["classified_at"],
                    }
                )
                out.flagged.append(row["id"])
                if row["review_status"] == "new":
                    out.flagged_new.append(row["id"])
        clusters = _clusters(rows, next_cluster, rng)
        next_cluster += len(clusters)
        if clusters:
            conn.execute(insert(Cluster), clusters)
        conn.execute(insert(Post), rows)
        if regions:
            conn.execute(insert(PostRegion), regions)
        if preds:
            conn.execute(insert(Prediction), preds)
    return out


def existing(conn: Connection, sample: int = 20_000) -> Seeded | None:
    """Return what an earlier run seeded, or None when the database holds other posts too."""
    total = int(conn.scalar(select(func.count()).select_from(Post)) or 0)
    bench = int(
        conn.scalar(select(func.count()).select_from(Post).where(Post.external_id.like("bench-%")))
        or 0
    )
    if not total or total != bench:
        return None
    flagged = select(Post.id).where(Post.flagged.is_(True))
    return Seeded(
        posts=total,
        flagged_new=list(conn.scalars(flagged.where(Post.review_status == "new"))),
        flagged=list(conn.scalars(flagged.order_by(Post.id.desc()).limit(sample))),
    )
