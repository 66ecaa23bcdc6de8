"""Rule descriptions for reviewers (`rule.<id>`), merged into the one table in `i18n`.

Kept apart only for the module size rule; keys and lookups live in `monitor.core.i18n`.
"""

from __future__ import annotations

# One entry per classifier rule: (Indonesian, English). A test checks every rule has one.
RULE_STRINGS: dict[str, tuple[str, str]] = {
    "rule.mp_euphemism": ("istilah politik uang", "a money-politics term"),
    "rule.mp_money_near_vote": (
        "uang/barang disebut dekat kata pemilihan",
        "money or goods mentioned near an election word",
    ),
    "rule.mp_offer_for_vote": ("menawarkan uang/barang untuk suara", "money or goods for a vote"),
    "rule.mp_strong_offer": (
        "istilah halus politik uang (serangan fajar, uang transport) terkait suara",
        "a vote-buying euphemism (serangan fajar, transport money) tied to a vote",
    ),
    "rule.mp_gift_from_campaign": (
        "tim kampanye atau calon membagikan uang/barang",
        "a campaign team or candidate handing out money or goods",
    ),
    "rule.mp_vote_price": ("harga suara atau jual beli suara", "a price on votes, vote trading"),
    "rule.mp_mahar": (
        "mahar politik: membeli pencalonan dari partai",
        "political dowry: buying a party nomination",
    ),
    "rule.mp_against": ("ajakan menolak politik uang", "a call to refuse money politics"),
    "rule.mp_football": ("serangan fajar dalam berita sepak bola", "'serangan fajar' in football"),
    "rule.mp_social_envelope": (
        "amplop kondangan, duka atau hari raya",
        "a wedding, condolence or holiday envelope",
    ),
    "rule.bc_slander": ("kata hinaan atau fitnah", "an insult or slander word"),
    "rule.bc_slander_target": (
        "hinaan atau cap fitnah (antek asing, PKI) ke calon, partai atau penyelenggara",
        "a slander label (foreign puppet, PKI) aimed at a candidate, party or organiser",
    ),
    "rule.bc_invented_scandal": (
        "skandal pribadi (selingkuh, ijazah palsu) dituduhkan ke calon",
        "a private scandal (affair, fake diploma) alleged against a candidate",
    ),
    "rule.bc_hearsay_crime": (
        "tuduhan kejahatan ke calon tanpa sumber (katanya, orang dalam)",
        "a crime alleged against a candidate on hearsay (they say, an insider)",
    ),
    "rule.bc_history": ("pelajaran atau peringatan sejarah", "a history lesson or commemoration"),
    "rule.bc_sourced": ("kritik bersumber (data, putusan)", "sourced criticism (data, a verdict)"),
    "rule.bc_counter": ("membantah atau menolak fitnah", "a rebuttal of slander"),
    "rule.bc_debunk": ("klarifikasi atau cek fakta", "a clarification or fact check"),
    "rule.ip_group": ("menyebut agama atau suku", "mentions a religion or ethnic group"),
    "rule.ip_vote_by_identity": (
        "ajakan memilih atau tidak memilih karena agama/suku",
        "a call to vote or not by religion or ethnicity",
    ),
    "rule.ip_slur_group": (
        "hinaan atau cap merendahkan terhadap kelompok agama/suku",
        "a slur against a religious or ethnic group",
    ),
    "rule.ip_hate_group": (
        "kebencian, ancaman atau pengusiran terhadap kelompok agama/suku",
        "hatred, threats or expulsion aimed at a religious or ethnic group",
    ),
    "rule.ip_contempt_group": (
        "merendahkan atau menyamakan kelompok agama/suku/ras dengan hal hina",
        "contempt for a religious, ethnic or racial group",
    ),
    "rule.ip_hatred_group": (
        "menyatakan benci atau jijik terhadap kelompok agama/suku/ras",
        "declared hatred or disgust for a religious, ethnic or racial group",
    ),
    "rule.ip_threat_group": (
        "ancaman, ajakan membunuh atau mengusir kelompok agama/suku/ras",
        "threats, calls to kill or expel a religious, ethnic or racial group",
    ),
    "rule.ip_religion_enemy": (
        "menuduh lawan politik memusuhi agama atau umat",
        "accuses a political opponent of being an enemy of a religion",
    ),
    "rule.ip_group_hostile": (
        "kelompok agama/suku disebut dekat kata bermusuhan",
        "a religious or ethnic group near a hostile word",
    ),
    "rule.ip_worship_campaign": (
        "kampanye dari tempat ibadah atau mimbar agama",
        "campaigning from a place of worship or the pulpit",
    ),
    "rule.ip_harmony": ("pesan kerukunan atau toleransi", "a message of harmony or tolerance"),
    "rule.ip_counter": (
        "menolak isu SARA atau mengutip hinaan untuk mengecamnya",
        "rejects SARA or quotes a slur to condemn it",
    ),
    "rule.hx_chain": (
        "ciri pesan berantai (sebarkan, sebelum dihapus)",
        "chain-message wording (share this, before it is deleted)",
    ),
    "rule.hx_chain_claim": (
        "pesan berantai tentang pemilu yang minta disebarkan",
        "an election chain message asking to be spread",
    ),
    "rule.hx_election_claim": (
        "klaim palsu yang dikenal tentang proses pemilu",
        "a known false claim about the election process",
    ),
    "rule.hx_debunk": (
        "klarifikasi atau cek fakta yang mengutip hoaks",
        "a clarification or fact check quoting the hoax",
    ),
    "rule.unknown": ("aturan yang tidak dikenal", "an unknown rule"),
}
