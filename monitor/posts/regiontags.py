"""Region tags of stored posts: the sender's and source's declared regions beside text matches."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy.orm import Session

from monitor.posts import repository
from monitor.posts.models import Post
from monitor.regions import repository as regions_repo
from monitor.regions.gazetteer import default_gazetteer
from monitor.regions.service import ensure_loaded, tag_text

log = logging.getLogger(__name__)


# Origins of a post's region tags, strongest first: when two name one region, the first wins.
# Only "text" tags are recomputed by re-tagging; declarations are facts about the arrival.
ORIGINS = ("sender", "source", "text")


def tag_posts(
    session: Session, posts: Sequence[Post], declared: Mapping[int, str] | None = None
) -> None:
    """Arrival hook: tag posts with their sender's and source's regions and the text's matches.

    `declared` maps post ids to the region code their sender gave (`region_code` in
    `waspada ingest` or POST /api/v1/ingest); the source's default region comes from the
    sources table. Both are kept beside the text matches, whatever the text says.
    """
    if not posts:
        return
    ensure_loaded(session)
    declared = declared or {}
    gaz = default_gazetteer()
    defaults = repository.source_regions(session, (p.source_id for p in posts if p.source_id))
    rows: list[dict[str, object]] = []
    unknown: set[str] = set()
    for post in posts:
        for code, origin in (
            (declared.get(post.id), "sender"),
            (defaults.get(post.source_id) if post.source_id else None, "source"),
        ):
            if not code:
                continue
            if code in gaz.regions:
                rec = gaz.regions[code]
                rows.append(_row(post.id, rec.code, rec.province_code, origin, _EVIDENCE[origin]))
            else:
                unknown.add(code)
        text = "\n".join(t for t in (post.title, post.text) if t)
        for m in tag_text(text):
            rows.append(_row(post.id, m.code, m.province_code, "text", m.evidence))
    if unknown:
        # Why only a warning: a wrong code from one sender must not cost the post itself.
        log.warning("unknown region codes ignored", extra={"codes": sorted(unknown)[:10]})
    # A kecamatan tag needs kecamatan loaded (`regions load --no-districts` skips them);
    # otherwise the tag rolls up to the nearest stored ancestor.
    wanted = _with_ancestors(str(r["region_code"]) for r in rows)
    stored = regions_repo.existing_codes(session, wanted)
    kept: dict[tuple[object, str], dict[str, object]] = {}
    for row in rows:
        code = _nearest_stored(str(row["region_code"]), stored)
        if code is not None and (row["post_id"], code) not in kept:
            kept[(row["post_id"], code)] = {**row, "region_code": code}
    repository.replace_text_regions(session, [p.id for p in posts], list(kept.values()))


_EVIDENCE = {"sender": "declared by sender", "source": "source"}


def _with_ancestors(codes: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for code in codes:
        parts = code.split(".")
        out.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return out


def _nearest_stored(code: str, stored: set[str]) -> str | None:
    parts = code.split(".")
    for i in range(len(parts), 0, -1):
        if ".".join(parts[:i]) in stored:
            return ".".join(parts[:i])
    return None


def _row(post_id: int, code: str, province: str, origin: str, evidence: str) -> dict[str, object]:
    # Why the cap: evidence is a span of a post, but a hostile post could be one huge "word".
    return {
        "post_id": post_id,
        "region_code": code,
        "province_code": province,
        "origin": origin,
        "evidence": evidence[:500],
    }
