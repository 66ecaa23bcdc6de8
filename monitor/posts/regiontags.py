"""Region tags of stored posts: the sender's and source's declared regions beside text matches."""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

from sqlalchemy.orm import Session

from monitor.posts import repository
from monitor.posts.models import Post
from monitor.posts.schemas import PostIn
from monitor.regions import repository as regions_repo
from monitor.regions.gazetteer import default_gazetteer
from monitor.regions.matcher import RegionMatch
from monitor.regions.service import ensure_loaded, tag_text

log = logging.getLogger(__name__)


# Origins of a post's region tags, strongest first: when two name one region, the first wins.
# Only "text" tags are recomputed by re-tagging; declarations are facts about the arrival.
ORIGINS = ("sender", "source", "text")


K = TypeVar("K", bound=Hashable)

# What a post's tags are computed from: its source, its sender's declared region, its text.
Subject = tuple[int | None, str | None, str | None, str]  # source_id, declared, title, text


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
    declared = declared or {}
    tags = region_rows(
        session,
        {p.id: (p.source_id, declared.get(p.id), p.title, p.text) for p in posts},
    )
    write_tags(session, [(p.id, tags.get(p.id, [])) for p in posts])


def text_matches(subjects: Mapping[K, tuple[str | None, str]]) -> dict[K, list[RegionMatch]]:
    """Return the regions each (title, text) names, computed from the texts alone.

    Needs no database: `waspada ingest` and the collectors match a page while the previous
    page is being stored, and hand the result to `ArrivalTags(matched=)`.
    """
    return {
        key: tag_text("\n".join(t for t in (title, text) if t))
        for key, (title, text) in subjects.items()
    }


def region_rows(
    session: Session,
    subjects: Mapping[K, Subject],
    matched: Mapping[K, Sequence[RegionMatch]] | None = None,
) -> dict[K, list[dict[str, object]]]:
    """Return the region tag rows (without post id) of each subject, in tagging order.

    Needs no stored post, so arrival computes them before the posts' INSERT and writes
    their provinces in it (`provinces_of`). `matched` holds `text_matches` of some of them.
    """
    if not subjects:
        return {}
    ensure_loaded(session)
    gaz = default_gazetteer()
    defaults = repository.source_regions(
        session, (source_id for source_id, _, _, _ in subjects.values() if source_id)
    )
    rows: list[tuple[K, dict[str, object]]] = []
    unknown: set[str] = set()
    for key, (source_id, declared, title, text) in subjects.items():
        for code, origin in (
            (declared, "sender"),
            (defaults.get(source_id) if source_id else None, "source"),
        ):
            if not code:
                continue
            if code in gaz.regions:
                rec = gaz.regions[code]
                rows.append((key, _row(rec.code, rec.province_code, origin, _EVIDENCE[origin])))
            else:
                unknown.add(code)
        found = matched.get(key) if matched is not None else None
        if found is None:
            found = tag_text("\n".join(t for t in (title, text) if t))
        for m in found:
            rows.append((key, _row(m.code, m.province_code, "text", m.evidence)))
    if unknown:
        # Why only a warning: a wrong code from one sender must not cost the post itself.
        log.warning("unknown region codes ignored", extra={"codes": sorted(unknown)[:10]})
    # A kecamatan tag needs kecamatan loaded (`regions load --no-districts` skips them);
    # otherwise the tag rolls up to the nearest stored ancestor.
    wanted = _with_ancestors(str(row["region_code"]) for _, row in rows)
    stored = regions_repo.existing_codes(session, wanted)
    out: dict[K, list[dict[str, object]]] = {}
    seen: set[tuple[K, str]] = set()
    for key, row in rows:
        code = _nearest_stored(str(row["region_code"]), stored)
        if code is not None and (key, code) not in seen:
            seen.add((key, code))
            out.setdefault(key, []).append({**row, "region_code": code})
    return out


def provinces_of(rows: Sequence[Mapping[str, object]]) -> list[str] | None:
    """Return the sorted distinct provinces of a post's tag rows (None when it has none).

    The same value `post_regions`' triggers compute (PostgreSQL), so written with the
    post's INSERT it leaves their UPDATE nothing to change.
    """
    return sorted({str(row["province_code"]) for row in rows}) or None


def write_tags(
    session: Session,
    tagged: Sequence[tuple[int, Sequence[Mapping[str, object]]]],
    *,
    fresh: bool = False,
) -> None:
    """Replace the text tags of posts with the given rows (post id, rows from `region_rows`)."""
    rows = [{"post_id": post_id, **row} for post_id, post_rows in tagged for row in post_rows]
    ids = [post_id for post_id, _ in tagged]
    repository.replace_text_regions(session, ids, rows, fresh=fresh)


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


def _row(code: str, province: str, origin: str, evidence: str) -> dict[str, object]:
    # Why the cap: evidence is a span of a post, but a hostile post could be one huge "word".
    return {
        "region_code": code,
        "province_code": province,
        "origin": origin,
        "evidence": evidence[:500],
    }


class ArrivalTags:
    """Region tags of a page's new items, computed before their INSERT (`ingest(tags=)`).

    Why before: the posts row then carries its provinces from the start, and the
    `post_regions` triggers (PostgreSQL) find nothing to rewrite once the tags are written.
    """

    def __init__(
        self,
        session: Session,
        source_id: int | None,
        matched: Mapping[tuple[str, str], Sequence[RegionMatch]] | None = None,
    ) -> None:
        self.session = session
        self.source_id = source_id
        self.matched = matched
        self.rows: dict[tuple[str, str], list[dict[str, object]]] = {}
        self.asked: set[tuple[str, str]] = set()

    def __call__(self, items: Sequence[PostIn]) -> dict[tuple[str, str], list[str]]:
        """Compute the tags of items not stored yet; return their provinces by key."""
        subjects = {i.key: (self.source_id, i.region_code, i.title, i.text) for i in items}
        self.asked.update(subjects)
        self.rows.update(region_rows(self.session, subjects, self.matched))
        if self.session.get_bind().dialect.name != "postgresql":
            return {}  # SQLite keeps the column NULL: no trigger there would keep it true
        return {key: codes for key, rows in self.rows.items() if (codes := provinces_of(rows))}

    def write(self, posts: Sequence[Post], declared: Mapping[int, str]) -> None:
        """Write the tags of newly stored posts (posts the page did not ask about: tagged now)."""
        known = [p for p in posts if (p.platform, p.external_id) in self.asked]
        rest = [p for p in posts if (p.platform, p.external_id) not in self.asked]
        write_tags(
            self.session,
            [(p.id, self.rows.get((p.platform, p.external_id), [])) for p in known],
            fresh=True,  # stored by this page's INSERT: no tag of theirs to replace yet
        )
        tag_posts(self.session, rest, declared)
