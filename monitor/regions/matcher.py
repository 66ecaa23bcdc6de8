"""Find the regions a text is about: longest-phrase gazetteer matching, precision first."""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.regions.aliases import HONORIFICS, NOT_REGION_AFTER, NOT_REGION_BEFORE
from monitor.regions.gazetteer import Candidate, Gazetteer, default_gazetteer

_TOKEN = re.compile(r"[^\W_]+")
_SENTENCE_END = ".!?\n:;\"“”'"
# "MEDAN, KOMPAS.com -", "MATARAM (ANTARA) -", "JAMBI -": a news dateline names a place.
_DATELINE_AFTER = re.compile(r"\s*(,|\(|-|–|—)")


@dataclass(frozen=True)
class RegionMatch:
    """A region the text names, with the span that says so."""

    code: str
    name: str
    level: str
    province_code: str
    evidence: str
    start: int
    end: int

    def as_dict(self) -> dict[str, object]:
        """Return the JSON shape used by the CLI and API."""
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "evidence": self.evidence,
            "span": [self.start, self.end],
        }


# (lower-cased token, start, end, token as written)
_Tok = tuple[str, int, int, str]


@dataclass
class _Hit:
    start: int  # char offsets in the original text
    end: int
    phrase: tuple[str, ...]
    candidates: list[Candidate]


def _tokens(text: str) -> list[_Tok]:
    return [(m.group(0).lower(), m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]


def _sentence_initial(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t#@([")
    return not before or before[-1] in _SENTENCE_END


def _title_cased(toks: list[_Tok]) -> bool:
    """Tell whether most words are capitalised (headlines), so capitals say nothing."""
    words = [t[3] for t in toks if t[3][:1].isalpha() and len(t[3]) > 3]
    return len(words) >= 4 and sum(w[:1].isupper() for w in words) / len(words) > 0.6


def _reads_as_name(text: str, toks: list[_Tok], i: int, j: int) -> bool:
    """Tell whether a common-word name is written as a proper noun mid-sentence."""
    first = toks[i][3]
    if not first[:1].isupper() or _sentence_initial(text, toks[i][1]):
        return False
    if _title_cased(toks):
        return False
    # "Buru-buru", "batu-batu": a reduplicated word is never the region.
    end = toks[j - 1][2]
    if j < len(toks) and text[end : end + 1] == "-" and toks[j][0] == toks[j - 1][0]:
        return False
    # Shouting in capitals says nothing about proper nouns.
    return not all(t[3].isupper() and len(t[3]) > 1 for t in toks[i:j])


def _dateline(text: str, toks: list[_Tok], i: int, j: int) -> bool:
    """Tell whether the name opens the text in capitals as a news dateline."""
    if i != 0 or text[: toks[0][1]].strip(" \t\"“'"):
        return False
    if not all(t[3].isupper() and len(t[3]) > 1 for t in toks[i:j]):
        return False
    return _DATELINE_AFTER.match(text, toks[j - 1][2]) is not None


class RegionMatcher:
    """Tag texts with Kemendagri regions; each match carries its evidence span."""

    def __init__(self, gazetteer: Gazetteer | None = None) -> None:
        self.gaz = gazetteer or default_gazetteer()
        # Longest phrase opening with each word: most words of a post open none, so the
        # phrase lookups (one tuple per length) are skipped for them (4x faster on tweets).
        self._opens: dict[str, int] = {}
        for phrase in self.gaz.phrases:
            self._opens[phrase[0]] = max(self._opens.get(phrase[0], 0), len(phrase))

    def _hits(self, text: str) -> list[_Hit]:
        opens = self._opens
        # Most posts name no region (584 of 5,000 real tweets have a word opening a phrase):
        # the words alone tell, without a span tuple a token (70 % of the matcher's time).
        if not any(word.lower() in opens for word in _TOKEN.findall(text)):
            return []
        toks = _tokens(text)
        words = [t[0] for t in toks]
        hits: list[_Hit] = []
        i = 0
        while i < len(toks):
            longest = opens.get(words[i], 0)
            for n in range(min(longest, len(toks) - i), 0, -1):
                phrase = tuple(words[i : i + n])
                cands = self.gaz.phrases.get(phrase)
                if cands and self._plausible(text, toks, i, i + n, cands):
                    hits.append(_Hit(toks[i][1], toks[i + n - 1][2], phrase, list(cands)))
                    i += n
                    break
            else:
                i += 1
        return hits

    def _plausible(
        self,
        text: str,
        toks: list[_Tok],
        i: int,
        j: int,
        cands: list[Candidate],
    ) -> bool:
        if any(c.strength in ("strong", "district") for c in cands):
            return True
        key = " ".join(t[0] for t in toks[i:j])
        prev = toks[i - 1][0] if i > 0 else ""
        nxt = toks[j][0] if j < len(toks) else ""
        if prev in NOT_REGION_BEFORE.get(key, frozenset()):
            return False
        if nxt in NOT_REGION_AFTER.get(key, frozenset()):
            return False
        if any(c.common for c in cands):
            if prev in HONORIFICS:
                return False
            return _dateline(text, toks, i, j) or _reads_as_name(text, toks, i, j)
        return True

    def match(self, text: str) -> list[RegionMatch]:
        """Return the distinct regions named in text, most specific evidence first."""
        hits = self._hits(text)
        regions = self.gaz.regions
        sure = {c.code for h in hits if len(h.candidates) == 1 for c in h.candidates}
        sure_provinces = {c.split(".")[0] for c in sure}
        resolved = [self._resolve(h, sure, sure_provinces) for h in hits]
        out: dict[str, RegionMatch] = {}
        for k, (hit, code) in enumerate(zip(hits, resolved, strict=True)):
            if code is None or code in out:
                continue
            if k + 1 < len(hits) and _locality_of_next(
                text, hit, hits[k + 1], code, resolved[k + 1]
            ):
                continue
            rec = regions[code]
            out[code] = RegionMatch(
                code=code,
                name=rec.name,
                level=rec.level,
                province_code=rec.province_code,
                evidence=text[hit.start : hit.end],
                start=hit.start,
                end=hit.end,
            )
        return list(out.values())

    def _resolve(self, hit: _Hit, sure: set[str], sure_provinces: set[str]) -> str | None:
        cands = hit.candidates
        strong = [c for c in cands if c.strength in ("strong", "alias")]
        if len(strong) == 1:
            return strong[0].code
        if len(cands) == 1:
            return cands[0].code
        codes = [c.code for c in cands]
        if cands[0].strength == "district":
            # Kecamatan only where unambiguous: unique, or the only one inside a region
            # the text names for certain.
            inside = [c for c in codes if any(c.startswith(s + ".") for s in sure)]
            return inside[0] if len(inside) == 1 else None
        provinces = [c for c in codes if "." not in c]
        if provinces:
            # "Jambi" alone is the province; the city is "Kota Jambi".
            return provinces[0]
        named = [c for c in codes if c in sure]
        if len(named) == 1:
            return named[0]
        parents = {c.split(".")[0] for c in codes}
        in_named_province = [c for c in codes if c.split(".")[0] in sure_provinces]
        if len(parents) > 1 and len(in_named_province) == 1:
            return in_named_province[0]
        if len(parents) == 1:
            # Kota vs Kabupaten of one name: all we know for sure is the province.
            return parents.pop()
        return None


def _locality_of_next(text: str, hit: _Hit, nxt: _Hit, code: str, next_code: str | None) -> bool:
    """Tell whether a common-word name is a locality of the region written right after it.

    "Kuningan, Jakarta Selatan" is the Kuningan area of Jakarta, not Kabupaten Kuningan.
    """
    if next_code is None or not all(c.common for c in hit.candidates):
        return False
    if text[hit.end : nxt.start].strip() != ",":
        return False
    return code.split(".")[0] != next_code.split(".")[0]


_DEFAULT: RegionMatcher | None = None


def default_matcher() -> RegionMatcher:
    """Return the process-wide matcher over the official gazetteer."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = RegionMatcher()
    return _DEFAULT
