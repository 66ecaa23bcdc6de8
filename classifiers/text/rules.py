"""The lexicon/rule layer: precise patterns over normalised text, as features and as floors.

Each rule is a regular expression over the output of `normalize`. Every rule becomes a
feature column the per-label linear models weigh; "strong" rules (a money offer tied to a
vote, a slur aimed at a candidate, ...) also set a floor under their label's score unless
one of the label's suppressors fired (appeals against vote-buying, debunks, history).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from classifiers.text.normalize import as_text_list

_VOTE = (
    r"(coblos|contreng|pilih|memilih|dipilih|nomor urut|no urut|nomor \d+|nomer \d+|suara|"
    r"paslon|caleg|capres|cagub|cabup|calon|tps|pemilu|pilkada|pilpres|pileg|pilkades|"
    r"golput|timses|tim sukses|kampanye|dukung)"
)
_MONEY = (
    r"(amplop|nominaluang|uang|duit|sembako|beras|bensin|voucher|pulsa|token listrik|"
    r"transfer|dibayar|bayaran|honor|salam tempel|wani piro|sarung|minyak goreng)"
)
_EUPHEMISM = (
    r"(serangan fajar|salam tempel|wani piro|uang (transport|transportasi|bensin|rokok|saku|"
    r"lelah|capek|duduk|makan|pengganti)|bantu bensin|mahar politik|beli suara|jual suara|"
    r"suara dibeli|membeli suara|politik uang|money politic|money politik|bagi bagi (uang|"
    r"amplop|sembako)|dibagikan amplop|bagi amplop|ongkos coblos)"
)
_CANDIDATE = (
    r"(capres|cawapres|caleg|cagub|cabup|paslon|calon|petahana|presiden|gubernur|bupati|"
    r"walikota|wali kota|partai|ketua umum|menteri|kpu|bawaslu|prabowo|jokowi|ganjar|anies|"
    r"gibran|mahfud|muhaimin|imin|ahok|ridwan kamil|puan|megawati|sby|ahy|nomor urut|"
    r"pasangan|kandidat|dia|beliau)"
)
_SLANDER = (
    r"(antek (asing|aseng|cina|china|pki|komunis|yahudi|amerika)|keturunan pki|anak pki|"
    r"kader pki|simpatisan pki|pki|komunis|boneka (asing|cina|china|oligarki)|penista|"
    r"pengkhianat|koruptor|maling|garong|selingkuh|simpanan|perselingkuhan|ijazah palsu|"
    r"sakit jiwa|gila|dungu|bodoh|tolol|idiot|plonga plongo|planga plongo|penculik|"
    r"pembunuh|penjahat|narkoba|pedofil|zina|munafik|pendusta|pembohong|diktator|"
    r"agen (asing|cia|mossad)|dibiayai (asing|cina|china)|kaki tangan)"
)
_GROUP = (
    r"(kafir|non muslim|nonmuslim|aseng|asing|cina|china|cokin|pribumi|non pribumi|"
    r"pendatang|yahudi|kristen|nasrani|katolik|hindu|buddha|budha|konghucu|syiah|ahmadiyah|"
    r"wahabi|islam|muslim|umat|arab|batak|jawa|papua|dayak|madura|bugis|sunda|minang|"
    r"tionghoa|keturunan|etnis|suku|ras|agama|seiman|seagama|putra daerah)"
)
_HISTORY = (
    r"(sejarah|g30s|g 30 s|1965|1948|peristiwa|museum|pelajaran|buku|film|dokumenter|"
    r"seminar|diskusi|napak tilas|monumen|peringatan|kurikulum)"
)
_AGAINST_MP = (
    r"((tolak|lawan|laporkan|lapor|jangan terima|jangan mau|haram|stop|anti|hindari|"
    r"waspadai|waspada|tidak akan|menolak|melawan|cegah|mencegah|awasi|mengawasi|"
    r"pidana|sanksi|larangan|dilarang|imbau|mengimbau|himbau)\b.{0,40}"
    r"(politik uang|serangan fajar|amplop|money politic|suap|beli suara))"
)
_DEBUNK = (
    r"(klarifikasi|cek fakta|faktanya|tidak benar|adalah hoaks|adalah hoax|merupakan hoaks|"
    r"dipastikan hoaks|informasi (tersebut|itu) (salah|keliru|hoaks|hoax)|membantah|bantahan|"
    r"disinformasi|turnbackhoax|mafindo|jangan mudah percaya|waspada hoaks|waspada hoax|"
    r"lawan hoaks|tangkal hoaks)"
)
_HARMONY = (
    r"(toleransi|kerukunan|bhinneka|lintas agama|antar umat|antarumat|persatuan|"
    r"saling menghormati|jangan (bawa|gunakan|pakai|mainkan|memainkan) (isu )?(sara|agama)|"
    r"tolak politik identitas|cegah sara|tolak sara|anti sara|damai)"
)


@dataclass(frozen=True)
class Rule:
    """One named pattern, the label it speaks for, and whether it sets a score floor."""

    name: str
    label: str
    pattern: str
    strong: bool = False
    suppressor: bool = False
    description: str = ""
    # Patterns that must all occur for `pattern` to match at all: cheap tests that skip the
    # expensive windowed search on most texts (speed only; never changes what fires).
    gates: tuple[str, ...] = ()


RULES: tuple[Rule, ...] = (
    # money_politics
    Rule("mp_euphemism", "money_politics", _EUPHEMISM, description="vote-buying wording"),
    Rule(
        "mp_offer_for_vote",
        "money_politics",
        rf"({_EUPHEMISM}|{_MONEY}).{{0,80}}\b{_VOTE}|\b{_VOTE}\b.{{0,80}}({_EUPHEMISM}|{_MONEY})",
        description="money or goods within a few words of voting",
        gates=(_VOTE, rf"{_EUPHEMISM}|{_MONEY}"),
    ),
    Rule(
        "mp_strong_offer",
        "money_politics",
        rf"{_EUPHEMISM}.{{0,80}}\b{_VOTE}|\b{_VOTE}\b.{{0,80}}{_EUPHEMISM}|"
        rf"(amplop|nominaluang|sembako).{{0,40}}\b(asal|asalkan|syarat|yang penting|tapi)\b"
        rf".{{0,30}}{_VOTE}",
        strong=True,
        description="vote-buying wording tied to voting",
        gates=(_VOTE, rf"{_EUPHEMISM}|amplop|nominaluang|sembako"),
    ),
    Rule("mp_against", "money_politics", _AGAINST_MP, suppressor=True, description="appeal"),
    # black_campaign
    Rule("bc_slander", "black_campaign", _SLANDER, description="slander or insult wording"),
    Rule(
        "bc_slander_target",
        "black_campaign",
        rf"\b{_CANDIDATE}\b.{{0,60}}\b{_SLANDER}\b|\b{_SLANDER}\b.{{0,60}}\b{_CANDIDATE}\b",
        strong=True,
        description="slander aimed at a candidate, party or organiser",
        gates=(_SLANDER, _CANDIDATE),
    ),
    Rule("bc_history", "black_campaign", _HISTORY, suppressor=True, description="history/edu"),
    # identity_politics
    Rule("ip_group", "identity_politics", rf"\b{_GROUP}\b", description="group mention"),
    Rule(
        "ip_vote_by_identity",
        "identity_politics",
        rf"\b(jangan|jgn|haram|wajib|harus|hanya|cuma)\b.{{0,15}}\b(pilih|memilih|coblos|"
        rf"dukung|dipimpin)\b.{{0,40}}\b{_GROUP}\b|\bpemimpin (muslim|seiman|seagama|pribumi|"
        rf"kafir|kristen|cina|china|asli)|\b(kafir|aseng|cokin|antek aseng)\b.{{0,60}}"
        rf"\b{_CANDIDATE}\b|\b{_CANDIDATE}\b.{{0,60}}\b(kafir|aseng|cokin|antek aseng)\b",
        strong=True,
        description="call to vote or attack by religion/ethnicity",
        gates=(r"pilih|memilih|coblos|dukung|dipimpin|pemimpin|kafir|aseng|cokin",),
    ),
    Rule(
        "ip_worship_campaign",
        "identity_politics",
        r"(khotbah|khutbah|ceramah|pengajian|mimbar|masjid|gereja|jumatan|misa)\b.{0,50}"
        r"\b(coblos|pilih|dukung|nomor urut|paslon|capres|caleg)",
        description="campaigning from a place of worship",
        gates=(r"khotbah|khutbah|ceramah|pengajian|mimbar|masjid|gereja|jumatan|misa",),
    ),
    Rule("ip_harmony", "identity_politics", _HARMONY, suppressor=True, description="harmony"),
    # hoax
    Rule(
        "hx_chain",
        "hoax",
        r"(sebarkan|viralkan|share sebanyak|bagikan ke|sebelum dihapus|jangan sampai putus|"
        r"grup sebelah|copas|copy paste|info valid|valid 100|a1|breaking news|segera sebar|"
        r"info dari (grup|teman|orang dalam)|dari orang dalam|media tidak memberitakan)",
        description="chain-message wording",
    ),
    Rule(
        "hx_election_claim",
        "hoax",
        r"(surat suara (sudah )?(tercoblos|dicoblos)|server kpu (di|berada di|ada di)|"
        r"kotak suara (kardus|bocor)|wna (masuk|terdaftar) (dpt|daftar pemilih)|e ktp wna|"
        r"pemilu (diundur|ditunda|dibatalkan)|pencoblosan (diundur|ditunda|dipindah)|"
        r"tinta (pemilu )?(haram|mengandung)|juta (surat suara|suara) (palsu|siluman))",
        strong=True,
        description="a known false claim pattern about the election process",
    ),
    Rule("hx_debunk", "hoax", _DEBUNK, suppressor=True, description="debunk or clarification"),
)


class _Gated:
    """A compiled rule pattern behind its cheap necessary-condition gates."""

    def __init__(self, rule: Rule) -> None:
        self.pattern = re.compile(rule.pattern)
        self.gates = [re.compile(g) for g in rule.gates]

    def search(self, text: str) -> bool:
        """Tell whether the rule's pattern occurs in the text."""
        return all(g.search(text) for g in self.gates) and self.pattern.search(text) is not None


def compiled_rules() -> list[tuple[Rule, _Gated]]:
    """Return every rule with its compiled (gated) pattern."""
    return [(r, _Gated(r)) for r in RULES]


_COMPILED = compiled_rules()


def fired(text: str) -> list[Rule]:
    """Return the rules whose pattern occurs in a normalised text."""
    return [rule for rule, pat in _COMPILED if pat.search(text)]


def rule_floors(texts: Iterable[str], labels: Iterable[str], floor: float) -> np.ndarray:
    """Per text and label, the floor a strong unsuppressed rule puts under the score."""
    labels = list(labels)
    texts = list(texts)
    out = np.zeros((len(texts), len(labels)))
    for i, text in enumerate(texts):
        hits = fired(text)
        suppressed = {r.label for r in hits if r.suppressor}
        for r in hits:
            if r.strong and r.label not in suppressed and r.label in labels:
                out[i, labels.index(r.label)] = floor
    return out


class RuleFeatures(TransformerMixin, BaseEstimator):
    """One sparse 0/`weight` column per rule, over normalised texts."""

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    def fit(self, X: Any, y: object = None) -> RuleFeatures:
        """Validate the texts and record the rule names (the columns)."""
        as_text_list(X)
        self.rule_names_ = [r.name for r in RULES]
        return self

    def transform(self, X: Any) -> sp.csr_matrix:
        """Return a (n_texts, n_rules) sparse matrix of rule hits."""
        check_is_fitted(self)
        texts = as_text_list(X)
        rows: list[int] = []
        cols: list[int] = []
        for i, text in enumerate(texts):
            for j, (_, pat) in enumerate(_COMPILED):
                if pat.search(text):
                    rows.append(i)
                    cols.append(j)
        data = np.full(len(rows), float(self.weight))
        return sp.csr_matrix((data, (rows, cols)), shape=(len(texts), len(_COMPILED)))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Return `rule:<name>` per column."""
        return np.array([f"rule:{n}" for n in self.rule_names_], dtype=object)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        return tags
