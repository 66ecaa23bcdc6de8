"""Dates as feeds write them: RFC 822 with day and month names in the feed's own language.

feedparser understands English names only; Indonesian (`Sen, 24 Agu 2026 10:00:00 +0700`),
Portuguese (`Seg, 24 Set 2018 10:00:00 -0300`), Spanish, French and German feeds lose their
dates without this. Names are mapped to English, then the standard RFC 822 parser runs.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_MONTHS: dict[str, tuple[str, ...]] = {
    "Jan": ("jan", "januari", "january", "januar", "janeiro", "enero", "ene", "janvier", "janv"),
    "Feb": (
        "feb",
        "februari",
        "february",
        "februar",
        "fevereiro",
        "fev",
        "febrero",
        "fevrier",
        "fevr",
        "febr",
    ),
    "Mar": ("mar", "maret", "march", "marz", "maerz", "mrz", "marco", "marzo", "mars"),
    "Apr": ("apr", "april", "abril", "abr", "avril", "avr"),
    "May": ("may", "mei", "mai", "maio", "mayo"),
    "Jun": ("jun", "juni", "june", "junho", "junio", "juin"),
    "Jul": ("jul", "juli", "july", "julho", "julio", "juillet", "juil"),
    "Aug": ("aug", "agu", "agt", "agus", "agustus", "august", "agosto", "ago", "aout"),
    "Sep": ("sep", "sept", "september", "setembro", "set", "septiembre", "setiembre", "septembre"),
    "Oct": ("oct", "okt", "oktober", "october", "outubro", "out", "octubre", "octobre"),
    "Nov": ("nov", "november", "novembro", "noviembre", "novembre"),
    "Dec": ("dec", "des", "desember", "december", "dezember", "dez", "dezembro", "dic"),
}
_MONTH = {name: english for english, names in _MONTHS.items() for name in names}
_MONTH.update({"diciembre": "Dec", "decembre": "Dec"})


# Weekday names are dropped: they carry nothing the date does not, and they collide with
# month abbreviations in some languages (Spanish `mar` is Tuesday and March).
def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


_DAYS = _names(
    """
    sen sel rab kam jum sab min senin selasa rabu kamis jumat sabtu minggu ahad
    mon tue wed thu fri sat sun monday tuesday wednesday thursday friday saturday sunday
    seg ter qua qui sex dom segunda terca quarta quinta sexta sabado domingo feira
    lun mie jue vie lunes martes miercoles jueves viernes
    mer jeu ven sam lundi mardi mercredi jeudi vendredi samedi dimanche
    mo di mi do fr sa so montag dienstag mittwoch donnerstag freitag samstag sonnabend sonntag
    """
)
# Indonesian zones as Indonesian sites write them (UTC+7/8/9).
_ZONES = {"wib": "+0700", "wita": "+0800", "wit": "+0900"}
_FILLER = frozenset({"de", "del", "um", "a", "pukul", "jam", "uhr", "le", "el", "o"})
_TOKEN = re.compile(r"[^\s,]+")


def _fold(token: str) -> str:
    # Accents vary between feeds of one language (`março`, `marco`); compare without them.
    decomposed = unicodedata.normalize("NFKD", token.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip(".'’")


def _month_index(tokens: list[str]) -> int | None:
    # The month is the name next to the day of the month (`24 Set`, `Aug 24`); any other
    # name is a weekday, whatever it would mean alone.
    for i, token in enumerate(tokens):
        if token in _MONTH and i > 0 and re.fullmatch(r"\d{1,2}", tokens[i - 1]):
            return i
    for i, token in enumerate(tokens):
        if token in _MONTH and i + 1 < len(tokens) and re.fullmatch(r"\d{1,2}", tokens[i + 1]):
            return i
    return None


def parse_local_date(value: str) -> datetime | None:
    """Parse an RFC 822-like date with local day/month names into aware UTC (None if not)."""
    if not value or len(value) > 100:
        return None
    tokens = [t for t in (_fold(raw) for raw in _TOKEN.findall(value.replace("-feira", ""))) if t]
    tokens = [t for t in tokens if t not in _FILLER]
    month = _month_index(tokens)
    if month is None:
        return None
    out: list[str] = []
    for i, token in enumerate(tokens):
        if i == month:
            out.append(_MONTH[token])
        elif token in _DAYS or token in _MONTH:
            continue
        elif token in _ZONES:
            out.append(_ZONES[token])
        elif re.fullmatch(r"\d{1,2}h\d{2}", token):
            out.append(token.replace("h", ":"))  # French and Portuguese write 10h30
        else:
            out.append(token.upper() if token in ("gmt", "ut", "utc", "z") else token)
    text = " ".join(out)
    # RFC 822 needs a time; add midnight when only a date is given.
    if not re.search(r"\d{1,2}:\d{2}", text):
        text += " 00:00:00"
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    try:
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
