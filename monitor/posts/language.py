"""A small language marker for Indonesian and the regional languages written in Latin script.

Stopword voting plus Indonesian affixes: enough to tell Indonesian, Javanese and Sundanese
from English and non-Latin scripts without downloading a model. Short texts with no evidence
are "und" (undetermined) so the caller can apply the source's declared language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Languages whose posts are scored; everything else is stored, marked and left unscored.
CLASSIFIABLE: tuple[str, ...] = ("id", "jv", "su")
UNDETERMINED = "und"


def _words(text: str) -> list[str]:
    return text.split()


_ID = _words(
    """yang dan di ke dari ini itu dengan untuk tidak akan pada juga ada dalam adalah karena
sudah bisa saya kita kami mereka atau oleh sebagai lebih telah belum harus para tersebut jika
kalau saat namun tapi tetapi hanya masih bagi agar serta sangat apa bahwa setelah sampai lagi
banyak semua gak nggak enggak ga yg dgn utk aja sih kok dong deh udah jadi mau kalian anda
kepada hingga seperti menjadi dapat bukan pun maka lalu sedang yaitu bila tak sebuah seorang
tentang antara begitu sama sebelum selama ketika mengapa kenapa bagaimana siapa dimana"""
)

_JV = _words(
    """lan ing iku ora karo sing wis arep iki kuwi nang marang ugi amarga mergo merga wong
kowe awakmu opo piye ngono dadi saka ning lho kabeh durung isih nggih mboten sampun
panjenengan kula dhateng menawi ojo aja wae wes ndak gawe iso isa lagek lagi yen nek
mung ana ono kudune sak tenan banget"""
)

_SU = _words(
    """nu teh jeung henteu teu abdi anjeun urang kana ti dina ieu eta éta geus keur oge ogé
sanes mah atuh pisan kumaha naon sareng kudu moal tos parantos bari kitu kieu lain wae
anu aya can acan mun lamun ulah sok"""
)

_EN = _words(
    """the and of to is in that it for was on are with as this be by have from not but they
which you at an has were will their would there been what when who about can more if
these than into only other could"""
)

_STOPWORDS: dict[str, frozenset[str]] = {
    "id": frozenset(_ID),
    "jv": frozenset(_JV),
    "su": frozenset(_SU),
    "en": frozenset(_EN),
}
# token -> languages whose list holds it (a word in several lists weighs half).
_LOOKUP: dict[str, tuple[str, ...]] = {}
for _lang, _stops in _STOPWORDS.items():
    for _w in _stops:
        _LOOKUP[_w] = (*_LOOKUP.get(_w, ()), _lang)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_ID_AFFIX = re.compile(r"^(?:meng|meny|mem|men|ber|ter|per|peng|pem)\w{3,}|\w{3,}(?:nya|kan)$")


def _is_latin(ch: str) -> bool:
    return ch < "\u0250"


def detect_language(text: str, min_tokens: int = 3) -> str:
    """Return "id", "jv", "su", "en", a script tag such as "x-arab", or "und"."""
    if not text.isascii():
        # Only non-ASCII text can be in another script; ASCII text skips the per-letter pass.
        letters = [ch for ch in text if ch.isalpha()]
        if not letters:
            return UNDETERMINED
        latin = sum(1 for ch in letters if _is_latin(ch))
        if latin / len(letters) < 0.5:
            return _script_tag(ch for ch in letters if not _is_latin(ch))
    tokens = _WORD.findall(text.casefold())
    if len(tokens) < min_tokens:
        return UNDETERMINED
    votes = dict.fromkeys(_STOPWORDS, 0.0)
    for tok in tokens:
        langs = _LOOKUP.get(tok)
        if langs is not None:
            weight = 0.5 if len(langs) > 1 else 1.0
            for lang in langs:
                votes[lang] += weight
        elif len(tok) > 5 and _ID_AFFIX.match(tok):
            votes["id"] += 0.5
    best = max(votes, key=lambda k: (votes[k], k == "id"))
    if votes[best] < 1.0:
        return UNDETERMINED
    # Why: Javanese and Sundanese posts mix in Indonesian; a regional lead of a third is enough,
    # otherwise a few shared loanwords would relabel Indonesian text.
    if best == "id":
        for regional in ("jv", "su"):
            if votes[regional] >= 2 and votes[regional] >= 0.75 * votes["id"]:
                return regional
    return best


def _script_tag(chars: Iterable[str]) -> str:
    counts: dict[str, int] = {}
    for ch in chars:
        o = ord(ch)
        script = (
            "arab"
            if 0x0600 <= o <= 0x06FF or 0x0750 <= o <= 0x077F
            else "hani"
            if 0x4E00 <= o <= 0x9FFF
            else "cyrl"
            if 0x0400 <= o <= 0x04FF
            else "java"
            if 0xA980 <= o <= 0xA9DF
            else "other"
        )
        counts[script] = counts.get(script, 0) + 1
    return "x-" + max(counts, key=lambda k: counts[k])


def is_classifiable(language: str | None) -> bool:
    """Tell whether posts in `language` are scored by the classifier."""
    return language in CLASSIFIABLE
