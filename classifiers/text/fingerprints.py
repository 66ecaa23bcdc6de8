"""Outlet fingerprints and scraping debris removed from news text before anything learns from it.

Why: news corpora carry their mastheads inside the text (`Jakarta, CNN Indonesia --`,
`TEMPO.CO, Jakarta -`, `Baca juga: ...`, `(ant)`). A model trained with news as negatives
learns "has a masthead => not a hoax" instead of what claims look like, and live collectors
fetch the same outlets. The same function runs in training and at classification time
(it is the first step of `classifiers.text.normalize.normalize`).
"""

from __future__ import annotations

import re

# Outlet names as they appear in datelines and credits (regex fragments, matched case-blind).
_OUTLETS = (
    r"CNN\s*Indonesia(?:\.com)?",
    r"Kompas\.com",
    r"Kompas\s*TV",
    r"TEMPO\.CO",
    r"Tempo\.co",
    r"Liputan6\.com",
    r"Suara\.com",
    r"Merdeka\.com",
    r"Rimanews",
    r"JUARA\.net",
    r"Okezone(?:\.com)?",
    r"SINDOnews(?:\.com)?",
    r"Tribunnews(?:\.com)?",
    r"detik(?:com|News|Finance|Sport|Inet)",
    r"ANTARA\s*News",
    r"ANTARA",
    r"Pos\s*Kota",
    r"kumparan(?:\.com)?",
    r"REPUBLIKA\.CO\.ID",
    r"Republika",
    r"VIVA(?:\.co\.id|news)?",
    r"JPNN(?:\.com)?",
    r"Bisnis\.com",
    r"tirto\.id",
    r"Kontan\.co\.id",
    r"Medcom\.id",
    r"iNews\.id",
    r"Sindonews\.com",
    r"Wowkeren(?:\.com)?",
    r"KapanLagi\.com",
    r"Fimela\.com",
    r"Beritasatu\.com",
    r"IDN\s*Times",
    r"Katadata\.co\.id",
)
_OUTLET = "(?:" + "|".join(_OUTLETS) + ")"
_CITY = r"[A-Za-z][A-Za-z.]*(?:\s+[A-Za-z][A-Za-z.]*){0,2}"
_DASH = r"[-\u2013\u2014]"
# `Jakarta, CNN Indonesia --`, `TEMPO.CO, Jakarta -`, `Jakarta (ANTARA) -`, `Kompas.com -`,
# `JAKARTA ( Pos Kota ) –`, `JUARA.NET , NEW YORK -`: only at the
# start of the text or of a line, and only with a known outlet, so tweets are untouched.
_DATELINE = re.compile(
    rf"(?m)^[\s,.\-\u2013\u2014]*(?:{_CITY}\s*,?\s*)?\(?\s*{_OUTLET}\s*\)?"
    rf"(?:\s*,\s*{_CITY})?\s*(?:{_DASH}[\s\-\u2013\u2014]*|:\s*)",
    re.I,
)
# `Liputan6.com, Jakarta Sebuah ...` has no dash: outlet, comma, one capitalised city word.
_DATELINE_NO_DASH = re.compile(rf"^\s*{_OUTLET}\s*,\s*[A-Z][a-z]+\s+(?=[A-Z])", re.I)
# Any `<name>.<tld>` token is found cheaply, then kept unless the name is a news outlet.
_DOMAIN_TOKEN = re.compile(r"\b([A-Za-z0-9-]+)\.(?:com|co\.id|co|net|id)\b")
_OUTLET_DOMAIN_NAMES = frozenset(
    {
        "cnnindonesia", "kompas", "tempo", "liputan6", "suara", "merdeka", "okezone",
        "sindonews", "tribunnews", "detik", "antaranews", "kumparan", "republika", "viva",
        "jpnn", "tirto", "kapanlagi", "wowkeren", "fimela", "posmetro-medan", "juara", "bisnis",
        "kontan", "beritasatu", "idntimes", "katadata", "medcom", "inews",
    }
)  # fmt: skip
# `Baca juga: <linked title>` runs to the end of its line or paragraph (CLICK-ID joins
# paragraphs with a comma directly followed by the next capitalised sentence).
_READ_ALSO = re.compile(
    r"\b(?:baca|simak)\s+(?:juga|pula|selengkapnya|video)\s*:?[^\n]{0,160}?(?=\n|,(?=[A-Z\"“])|\]|$)",
    re.I,
)
_BOILERPLATE = re.compile(
    r"ADVERTISEMENT|SCROLL TO (?:CONTINUE|RESUME) WITH CONTENT|loading\.\.\.|"
    r"#Grow[Ff]ear[Ll]ess with (?:FIMELA|Fimela)|Advertisement"
)
_CREDIT_LINE = re.compile(
    r"(?im)^\s*(?:editor|penulis|reporter|pewarta|penyunting|fotografer|sumber|"
    r"laporan wartawan[^:\n]{0,60})\s*:[^\n]{0,80}$"
)
_CREDIT_TAIL = re.compile(
    r"[\s,.]*(?i:editor|penulis|reporter|pewarta|penyunting)\s*:\s*[A-Z][\w.' ]{0,50}$"
)
# Desk initials in brackets: `(ant)`, `( rah / rah )`, `(trb)`, `[ tsr ]`, `( D011 )`.
_ANT = re.compile(r"\(\s*(?:ant|antara)\s*\)", re.I)
_DESK_TAIL = re.compile(
    r"[\s,]*[(\[]\s*[a-z][a-z0-9]{1,7}(?:\s*/\s*[a-z][a-z0-9 ]{1,15}){0,3}\s*[)\]][\s,.]*$",
    re.I,
)
_LEADING_DEBRIS = re.compile(r"^[\s,.;:\-\u2013\u2014]+")
_COMMA_RUNS = re.compile(r"[ \t]*,(?:[ \t]*,)+[ \t]*")
_TAIL = 160  # credits and desk initials sit in the last few words
# UTF-8 read as Mac Roman: `¬†` (no-break space), `‚Äì` (en dash), `‚Äú` (quote).
# A continuation never starts another sequence: `¬†¬†` is two no-break spaces.
_MAC_ROMAN = re.compile(r"[\u00ac\u201a\u221a\u00c2\u00c3][^\x00-\x7f\u00ac\u201a\u221a]{1,2}")
_MAC_ROMAN_KNOWN = {
    "¬†": " ",
    "‚Äì": "–",
    "‚Äî": "—",
    "‚Äú": "“",
    "‚Äù": "”",
    "‚Äô": "’",
    "‚Äò": "‘",
}


def fix_mac_roman(text: str) -> str:
    """Undo UTF-8 bytes shown as Mac Roman (`¬†` -> no-break space) where that decodes cleanly."""
    if not _MAC_ROMAN.search(text):
        return text

    def _fix(match: re.Match[str]) -> str:
        raw = match.group(0)
        for length in (len(raw), 2):
            piece = raw[:length]
            if piece in _MAC_ROMAN_KNOWN:
                return _MAC_ROMAN_KNOWN[piece] + raw[length:]
            try:
                return piece.encode("mac_roman").decode("utf-8") + raw[length:]
            except UnicodeError:
                continue
        return raw

    return _MAC_ROMAN.sub(_fix, text)


# The first word of every outlet, lower-cased: each `_OUTLETS` entry starts with it.
_OUTLET_HEADS = tuple(
    sorted({re.split(r"[^A-Za-z0-9]", outlet, maxsplit=1)[0].lower() for outlet in _OUTLETS})
)


def _may_name_outlet(text: str) -> bool:
    """Tell whether a dateline pattern can match: both need a known outlet's name."""
    # Why: at the start of most tweets the datelines' optional city words and 34 outlets
    # backtrack for about 9 us before failing; an outlet's first word is a C substring scan.
    # Exact for ASCII text (`re.I` folds case as `str.lower`); other text is always searched.
    if not text.isascii():
        return True
    low = text.lower()
    return any(head in low for head in _OUTLET_HEADS)


def _may_read_also(text: str) -> bool:
    """Tell whether `_READ_ALSO` can match: its case-blind words, checked without a regex."""
    # Exact for ASCII text, where `re.I` folds case as `str.lower` does; elsewhere `re.I`
    # also matches `ſ` for `s` (and more), so a non-ASCII text is always searched.
    if not text.isascii():
        return True
    low = text.lower()
    return "baca" in low or "simak" in low


def _drop_outlet_domain(match: re.Match[str]) -> str:
    return " " if match.group(1).lower() in _OUTLET_DOMAIN_NAMES else match.group(0)


def strip_fingerprints(text: str) -> str:
    """Remove mastheads, datelines, `Baca juga` links, credits and scraping debris from text."""
    if not text:
        return text
    text = fix_mac_roman(text).replace("\u00a0", " ")
    text = _BOILERPLATE.sub(" ", text)
    if _may_read_also(text):
        text = _READ_ALSO.sub(" ", text)
    # The `in` tests skip a pattern whose mandatory character is absent (a C scan instead of
    # a regex walk at every position; a tweet rarely has them): the same text either way.
    if ":" in text:
        text = _CREDIT_LINE.sub(" ", text)
    # Debris first: CLICK-ID keeps `, , -` where the dateline link was cut out.
    text = _LEADING_DEBRIS.sub("", text)
    if _may_name_outlet(text):
        text = _DATELINE.sub("", text, count=3)
        text = _DATELINE_NO_DASH.sub("", text)
    if "(" in text:
        text = _ANT.sub(" ", text)
    if ".co" in text or ".net" in text or ".id" in text:  # every `_DOMAIN_TOKEN` suffix
        text = _DOMAIN_TOKEN.sub(_drop_outlet_domain, text)
    head, tail = text[:-_TAIL], text[-_TAIL:]
    if ":" in tail:
        tail = _CREDIT_TAIL.sub("", tail)
    if "(" in tail or "[" in tail:
        tail = _DESK_TAIL.sub("", tail)
    text = head + tail
    if text.count(",") > 1:  # a run is two commas or more
        text = _COMMA_RUNS.sub(", ", text)
    return _LEADING_DEBRIS.sub("", text).strip()
