"""A small, realistic review queue for the web tests: two provinces, a cluster, a debunk."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from monitor.clusters.models import Cluster
from monitor.core.base import utcnow
from monitor.keys import service as keys
from monitor.posts.models import Post
from tests.support.posts import add_regions, make_scored_post, tag_region

XSS = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
MODEL = "test-model-1"

REGIONS = [
    ("15", "Jambi", "province", None),
    ("15.07", "Kabupaten Tanjung Jabung Timur", "regency", "15"),
    ("15.71", "Kota Jambi", "city", "15"),
    ("31", "DKI Jakarta", "province", None),
    ("31.71", "Kota Administrasi Jakarta Pusat", "city", "31"),
]

# (text, labels, score, region, terms that fired, status)
POSTS = [
    (
        "Warga Tanjab Timur dapat amplop 100rb dari tim sukses, serangan fajar jelang "
        "pencoblosan di Muara Sabak.",
        ["money_politics"],
        0.97,
        "15.07",
        ["serangan fajar", "amplop nominaluang"],
    ),
    (
        "HOAKS: surat suara sudah dicoblos di gudang KPU Kota Jambi, sebarkan sebelum dihapus!",
        ["hoax"],
        0.93,
        "15.71",
        ["sudah dicoblos", "sebarkan"],
    ),
    (
        "Calon itu antek asing dan keturunan PKI, jangan pilih dia di Jambi.",
        ["black_campaign"],
        0.88,
        "15",
        ["antek asing", "pki"],
    ),
    (
        "Sembako gratis untuk warga Jakarta Pusat asal coblos nomor 2, ambil di posko.",
        ["money_politics"],
        0.91,
        "31.71",
        ["sembako gratis", "coblos nomor"],
    ),
    (
        "Jangan pilih pemimpin kafir, umat harus bersatu di Jakarta! " + XSS,
        ["identity_politics"],
        0.86,
        "31",
        ["kafir", "umat"],
    ),
]
CLUSTER_COPIES = [
    "HOAKS: surat suara sudah dicoblos di gudang KPU Kota Jambi, sebarkan!!",
    "surat suara sudah dicoblos di gudang KPU kota jambi. sebarkan sebelum dihapus",
]


@dataclass
class Seeded:
    """Ids and plaintext keys the tests use."""

    post_ids: list[int] = field(default_factory=list)
    jambi_ids: list[int] = field(default_factory=list)
    jakarta_ids: list[int] = field(default_factory=list)
    xss_id: int = 0
    cluster_post_id: int = 0
    keys: dict[str, str] = field(default_factory=dict)


# A real rule per label, in the shape the classifier writes (`rules[].rule`, `top_ngrams`).
RULE_OF = {
    "hoax": "hx_chain_claim",
    "black_campaign": "bc_slander_target",
    "money_politics": "mp_strong_offer",
    "identity_politics": "ip_vote_by_identity",
}
# What a linear model's top n-grams also hold: stopwords and character fragments.
NOISE = [["di", 0.31], ["dari", 0.22], ["lon", 0.12]]


def _post(
    session: Session,
    i: int,
    text: str,
    labels: list[str],
    score: float,
    terms: list[str],
    factcheck: dict[str, object] | None = None,
    **kw: Any,
) -> Post:
    """Store one flagged post with the four labels' predictions, explained as the model does."""
    now = utcnow()
    explanations: dict[str, dict[str, object]] = {
        label: {"top_ngrams": [], "rules": []} for label in RULE_OF
    }
    for label in labels:
        explanations[label] = {
            "top_ngrams": [[t, 1.5] for t in terms] + NOISE + [[f"rule:{RULE_OF[label]}", 0.9]],
            "rules": [{"rule": RULE_OF[label], "label": label, "why": "-"}],
        }
        if factcheck:
            explanations[label]["factcheck"] = factcheck
    return make_scored_post(
        session,
        text,
        {label: score if label in labels else 0.05 for label in RULE_OF},
        version=MODEL,
        flagged=labels,
        explanations=explanations,
        platform="whatsapp" if i % 2 else "twitter",
        external_id=f"web-seed-{i}",
        url=f"https://example.org/p/{i}",
        author=f"akun_{i}",
        language="id",
        published_at=now - timedelta(hours=i),
        fetched_at=now - timedelta(hours=i),
        content_hash=hashlib.sha256(text.encode()).hexdigest(),
        priority=score,
        review_status="new",
        **kw,
    )


def seed(session: Session) -> Seeded:
    """Insert regions, posts, predictions, a cluster and one key per role."""
    out = Seeded()
    add_regions(session, REGIONS)
    cluster = Cluster(size=3, n_sources=2, n_accounts=3, n_regions=1, growth_rate=2.5)
    session.add(cluster)
    session.flush()
    for i, (text, labels, score, region, terms) in enumerate(POSTS, start=1):
        is_hoax = labels == ["hoax"]
        debunk = (
            {
                "id": "tbh-1",
                "title": "[SALAH] Surat Suara Sudah Dicoblos di Gudang KPU Jambi",
                "url": "https://turnbackhoax.id/2024/02/surat-suara-dicoblos/",
                "score": 0.91,
                "publisher": "Mafindo",
                "verdict": "SALAH",
            }
            if is_hoax
            else None
        )
        in_cluster = cluster.id if is_hoax else None
        post = _post(session, i, text, labels, score, terms, debunk, cluster_id=in_cluster)
        province = region.split(".")[0]
        tag_region(session, post, region)
        out.post_ids.append(post.id)
        (out.jambi_ids if province == "15" else out.jakarta_ids).append(post.id)
        if XSS in text:
            out.xss_id = post.id
        if is_hoax:
            out.cluster_post_id = post.id
            cluster.representative_post_id = post.id
    for j, text in enumerate(CLUSTER_COPIES, start=len(POSTS) + 1):
        # A hostile source URL must never become a link.
        copy = _post(session, j, text, ["hoax"], 0.8, ["sudah dicoblos"], cluster_id=cluster.id)
        copy.url = "javascript:alert(1)"
        tag_region(session, copy, "15.71", "kota jambi")
        out.post_ids.append(copy.id)
        out.jambi_ids.append(copy.id)
    session.flush()
    for role, regions in [
        ("admin", ()),
        ("reviewer", ()),
        ("liaison", ("15",)),
        ("researcher", ()),
    ]:
        _, plaintext = keys.create_key(session, f"{role}-web", role, regions)
        out.keys[role] = plaintext
    _, other = keys.create_key(session, "reviewer-two", "reviewer", ())
    out.keys["reviewer2"] = other
    return out
