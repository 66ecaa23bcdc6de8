"""The rule book: every named pattern, its label, its role and its Indonesian description.

Strong rules set a score floor under their label unless one of that label's suppressors
fired; the others are feature columns only. `docs/rules.md` lists their hit counts on news.
"""

from __future__ import annotations

from classifiers.text.rule_base import Rule
from classifiers.text.rule_base import near as _near
from classifiers.text.rule_lexicon import (
    AGAINST_MP,
    BALLOT,
    CANDIDATE,
    COUNTER_BC,
    CRIME,
    DEBUNK,
    ENVELOPE_SOCIAL,
    EUPHEMISM,
    FOOTBALL,
    GIVER,
    HEARSAY,
    HISTORY,
    IF_COND,
    MONEY,
    SCANDAL,
    SLUR_BC,
    SOURCED,
    VOTE,
    VOTE_ACT,
)
from classifiers.text.rulebook_identity import IDENTITY_RULES

__all__ = ["RULES", "Rule"]

RULES: tuple[Rule, ...] = (
    # --- money_politics -----------------------------------------------------------------
    Rule("mp_euphemism", "money_politics", rf"\b{EUPHEMISM}\b", "istilah politik uang"),
    Rule(
        "mp_money_near_vote",
        "money_politics",
        _near(f"({EUPHEMISM}|{MONEY})", VOTE, 80),
        "uang/barang disebut dekat kata pemilihan",
        gates=(VOTE, rf"{EUPHEMISM}|{MONEY}"),
    ),
    Rule(
        "mp_offer_for_vote",
        "money_politics",
        rf"\b({EUPHEMISM}|{MONEY})\b.{{0,60}}\b{IF_COND}\b.{{0,30}}\b{BALLOT}\b|"
        rf"\b{BALLOT}\b.{{0,40}}\b(dapat|dapet|dikasih|dikasi|dibayar|diberi|terima|"
        rf"menerima|ditukar|dituker|dihargai|imbalan|nanti dapat|langsung cair)\b.{{0,30}}"
        rf"\b({EUPHEMISM}|{MONEY})\b",
        "menawarkan uang/barang untuk suara",
        strong=True,
        gates=(VOTE_ACT, rf"{EUPHEMISM}|{MONEY}"),
    ),
    Rule(
        "mp_strong_offer",
        "money_politics",
        rf"\b(serangan fajar|serangan subuh|salam tempel|wani piro|ongkos coblos|uang coblos)"
        rf"\b.{{0,80}}\b({VOTE_ACT}|nominaluang|timses|tim sukses|tps|per (kepala|kk|orang))\b|"
        rf"\b(uang (transport|bensin|rokok|saku|lelah|duduk|makan|kopi)|bantu bensin)\b"
        rf".{{0,60}}\b({IF_COND} )?{BALLOT}\b",
        "istilah halus politik uang (serangan fajar, uang transport) terkait suara",
        strong=True,
        gates=(r"serangan|salam tempel|wani piro|uang|bantu bensin|ongkos",),
    ),
    Rule(
        "mp_gift_from_campaign",
        "money_politics",
        rf"\b(bagi|bagikan|dibagikan|membagikan|dibagi|nyebar|sebar|kasih|dikasih|ngasih|"
        rf"dapat|dapet|terima|menerima|kirim|transfer|tf)\b.{{0,30}}\b{MONEY}\b.{{0,40}}"
        rf"\b(dari|oleh|sama)\b.{{0,10}}\b{GIVER}\b|\b{GIVER}\b.{{0,40}}\b(bagi|bagikan|"
        rf"membagikan|bagi bagi|nyebar|menyebar|kasih|ngasih|memberi|kirim|transfer|tf)\b"
        rf".{{0,30}}\b(amplop|nominaluang|uang|duit|sembako|saldo|pulsa|voucher)\b",
        "tim kampanye atau calon membagikan uang/barang",
        strong=True,
        gates=(GIVER, MONEY),
    ),
    Rule(
        "mp_vote_price",
        "money_politics",
        r"\b(wani piro|harga (satu |per )?suara (warga|pemilih|kita|kami|rakyat )?(cuma |hanya "
        r"|nominaluang|dihargai)|suara (kita |kami |warga |rakyat )?(dihargai|dibeli|dibayar) "
        r"(nominaluang|cuma|hanya|seharga|pakai|dengan)|(satu|1) suara nominaluang|"
        r"ktp\b.{0,25}\b(ditukar|dituker|dibayar|dihargai|diganti|dapat|dapet) "
        r"(nominaluang|uang|duit|sembako)|nominaluang per (kepala|kk|ktp)\b.{0,60}\b"
        r"(coblos|nyoblos|pilih|milih|paslon|caleg|timses|tps))\b",
        "harga suara atau jual beli suara",
        strong=True,
        gates=(r"suara|piro|ktp|nominaluang",),
    ),
    Rule(
        "mp_mahar",
        "money_politics",
        r"\b(mahar politik|mahar (ke|untuk|dari|kepada) (partai|dpp|ketum|ketua umum)|"
        r"(beli|membeli|bayar|membayar) (rekomendasi|tiket|perahu) (partai|pencalonan)|"
        r"(setor|setoran) (ke|untuk) partai (biar|supaya|agar|untuk) (dicalonkan|diusung))\b",
        "mahar politik: membeli pencalonan dari partai",
        strong=True,
        gates=(r"mahar|rekomendasi|tiket|perahu|setor",),
    ),
    Rule(
        "mp_against", "money_politics", AGAINST_MP, "ajakan menolak politik uang", suppressor=True
    ),
    Rule(
        "mp_football",
        "money_politics",
        rf"\bserangan fajar\b.{{0,80}}\b{FOOTBALL}\b|\b{FOOTBALL}\b.{{0,80}}\bserangan fajar\b",
        "serangan fajar dalam berita sepak bola",
        suppressor=True,
        gates=(r"serangan fajar",),
    ),
    Rule(
        "mp_social_envelope",
        "money_politics",
        rf"\bamplop\b.{{0,40}}\b{ENVELOPE_SOCIAL}\b|\b{ENVELOPE_SOCIAL}\b.{{0,40}}\bamplop\b",
        "amplop kondangan, duka atau hari raya",
        suppressor=True,
        gates=(r"amplop",),
    ),
    # --- black_campaign -----------------------------------------------------------------
    Rule("bc_slander", "black_campaign", rf"\b{SLUR_BC}\b", "kata hinaan atau fitnah"),
    Rule(
        "bc_slander_target",
        "black_campaign",
        _near(CANDIDATE, SLUR_BC, 50),
        "hinaan atau cap fitnah (antek asing, PKI) ke calon, partai atau penyelenggara",
        strong=True,
        gates=(SLUR_BC, CANDIDATE),
    ),
    Rule(
        "bc_invented_scandal",
        "black_campaign",
        _near(CANDIDATE, SCANDAL, 60),
        "skandal pribadi (selingkuh, ijazah palsu) dituduhkan ke calon",
        strong=True,
        gates=(SCANDAL, CANDIDATE),
    ),
    Rule(
        "bc_hearsay_crime",
        "black_campaign",
        rf"\b{HEARSAY}\b.{{0,80}}\b{CANDIDATE}\b.{{0,60}}\b({CRIME}|{SCANDAL})\b",
        "tuduhan kejahatan ke calon tanpa sumber (katanya, orang dalam)",
        strong=True,
        gates=(HEARSAY, CANDIDATE),
    ),
    Rule(
        "bc_history",
        "black_campaign",
        rf"\b{HISTORY}\b",
        "pelajaran atau peringatan sejarah",
        suppressor=True,
    ),
    Rule(
        "bc_sourced",
        "black_campaign",
        rf"\b{SOURCED}\b",
        "kritik bersumber (data, putusan)",
        suppressor=True,
    ),
    Rule(
        "bc_counter",
        "black_campaign",
        COUNTER_BC,
        "membantah atau menolak fitnah",
        suppressor=True,
    ),
    Rule("bc_debunk", "black_campaign", DEBUNK, "klarifikasi atau cek fakta", suppressor=True),
    # --- identity_politics (rulebook_identity.py) ----------------------------------------
    *IDENTITY_RULES,
    # --- hoax ---------------------------------------------------------------------------
    Rule(
        "hx_chain",
        "hoax",
        r"\b(sebarkan|viralkan|share sebanyak|bagikan ke|sebelum dihapus|sebelum di hapus|"
        r"jangan sampai putus|grup sebelah|copas|copy paste|info valid|valid 100|a1|"
        r"breaking news|segera sebar|sebar luaskan|info dari (grup|teman|orang dalam)|"
        r"dari orang dalam|media tidak memberitakan|media diam|tidak diberitakan|"
        r"kabari (keluarga|saudara)|teruskan ke)\b",
        "ciri pesan berantai (sebarkan, sebelum dihapus)",
    ),
    Rule(
        "hx_chain_claim",
        "hoax",
        r"\b(sebarkan|viralkan|sebar luaskan|share sebanyak|sebelum dihapus|sebelum di hapus|"
        r"jangan sampai putus|segera sebar|teruskan ke)\b.{0,200}\b(kpu|tps|surat suara|"
        r"pemilu|pilpres|pilkada|pencoblosan|dpt|suara|capres|paslon|caleg|bawaslu|sirekap)\b|"
        r"\b(kpu|tps|surat suara|pemilu|pilpres|pilkada|pencoblosan|dpt|capres|paslon|caleg|"
        r"bawaslu|sirekap)\b.{0,300}\b(sebarkan|viralkan|sebar luaskan|share sebanyak|"
        r"sebelum dihapus|sebelum di hapus|jangan sampai putus|segera sebar|teruskan ke)\b",
        "pesan berantai tentang pemilu yang minta disebarkan",
        strong=True,
        gates=(r"sebar|viralkan|share sebanyak|dihapus|putus|teruskan",),
    ),
    Rule(
        "hx_election_claim",
        "hoax",
        r"(surat suara (sudah |udah )?(tercoblos|dicoblos|tercontreng)|server kpu (di|berada di|"
        r"ada di|diatur)|kotak suara (kardus|bocor)|wna (masuk|terdaftar) (dpt|daftar pemilih)|"
        r"e ktp wna|pemilu (diundur|ditunda|dibatalkan)|pencoblosan (diundur|ditunda|dipindah)|"
        r"tinta (pemilu )?(haram|mengandung)|juta (surat suara|suara) (palsu|siluman))",
        "klaim palsu yang dikenal tentang proses pemilu",
        strong=True,
    ),
    Rule(
        "hx_debunk",
        "hoax",
        DEBUNK,
        "klarifikasi atau cek fakta yang mengutip hoaks",
        suppressor=True,
    ),
)
