"""identity_politics (SARA) rules: votes by identity, contempt, hatred, threats, counter-speech.

Group words and hostility predicates come from `rule_lexicon`; every floor rule searches
the text with quoted passages blanked (`outside_quotes`), so a slur quoted to condemn it
is a mention. `docs/rules.md` has their hit counts on news, Ibrohim and SEAHateCheck.
"""

from __future__ import annotations

from classifiers.text.rule_base import FILLER, Rule
from classifiers.text.rule_lexicon import (
    CONTEMPT,
    COUNTER_IP,
    EMOTE,
    GROUP,
    HARM,
    HARM_ALL,
    HARM_ORDER,
    HARMONY,
    INSULT,
    INTENT,
    NEG_BEFORE,
    PEOPLE,
    RELIGION,
    SAME_IDENTITY,
    WORSE,
)

IDENTITY_RULES: tuple[Rule, ...] = (
    Rule(
        "ip_group", "identity_politics", rf"\b({RELIGION}|{PEOPLE})\b", "menyebut agama atau suku"
    ),
    Rule(
        "ip_vote_by_identity",
        "identity_politics",
        r"\b(jangan|haram|wajib|harus|hanya|cuma|pantang|dilarang|ogah|gak sudi|ga sudi|"
        r"tidak sudi|mana sudi|mending|utamakan|ayo|mari) (pilih|memilih|milih|coblos|nyoblos|"
        r"dukung|mendukung|dipimpin|menang|memenangkan)\b.{0,25}\b(pemimpin|calon|capres|"
        r"cagub|caleg|yang|yg|orang|presiden|gubernur)?\b ?" + SAME_IDENTITY + r"\b|"
        r"\b(pilih|coblos|dukung|pilihlah|coblos lah) (yang|yg|calon|pemimpin)? ?"
        r"(seiman|seagama|seakidah|se iman|sesuku|satu agama|satu iman|satu akidah|"
        r"putra daerah|orang asli|pribumi)\b|"
        r"\bpemimpin (kafir|kapir|non muslim|nonmuslim|aseng|cina|china|yahudi)\b|"
        r"\b(haram|dosa|murtad) (hukumnya )?(memilih|pilih|milih|dipilih|dipimpin)\b|"
        # "Gubernur Sumbar harus orang Minang", "tolak capres aseng": the office by identity.
        r"\b(pemimpin|calon|capres|cawapres|cagub|cabup|caleg|gubernur|bupati|walikota|"
        r"presiden|kepala daerah)\b.{0,25}\b(harus|wajib|mesti|hanya boleh|cuma boleh|"
        r"sebaiknya) (dari |orang |putra |putri |beragama |suku |etnis |seorang )?"
        + SAME_IDENTITY
        + r"\b|\b(tolak|menolak|jangan biarkan|jangan sampai|haram|jangan) (etnis |orang |"
        r"suku |kaum |umat |agama )?" + SAME_IDENTITY + r" (jadi|menjadi|menduduki|memimpin|"
        r"berkuasa|pegang|memegang|duduki)\b"
        + r"|\b(tolak|lawan|jangan) (pemimpin|calon|capres|cawapres|cagub|cabup|caleg|"
        r"gubernur|bupati|presiden)( boneka| antek| dari)? " + SAME_IDENTITY + r"\b",
        "ajakan memilih atau tidak memilih karena agama/suku",
        strong=True,
        outside_quotes=True,
        gates=(
            r"pilih|milih|coblos|dukung|dipimpin|pemimpin|menang|calon|capres|cawapres|"
            r"cagub|cabup|caleg|gubernur|bupati|walikota|presiden|kepala daerah|menduduki|"
            r"berkuasa|memimpin|pegang|duduki",
        ),
    ),
    Rule(
        "ip_slur_group",
        "identity_politics",
        rf"\b{PEOPLE}\b (itu |tuh |tu |memang |emang |mah |semua |semuanya |pada |adalah |"
        rf"ya |sih |cuma |hanya |dasarnya |orang orang |kalian |yang |paling |sangat |amat |"
        rf"benar benar |bener bener |sungguh |terlalu |super |kayak |seperti |kaya )*{INSULT}\b|"
        rf"\b(dasar|dasar kau|dasar lu|dasar lo|kalian) {PEOPLE}\b|"
        rf"\b{INSULT} {PEOPLE}\b|"
        rf"\b((antek|jongos|kacung|budak|babu) (yahudi|aseng|cina|china|zionis)|kadrun|"
        rf"kadal gurun|cina babi|"
        rf"china babi|kafir laknat|kafir harbi|yahudi laknat|onta arab|pribumi malas)\b",
        "hinaan atau cap merendahkan terhadap kelompok agama/suku",
        strong=True,
        outside_quotes=True,
        gates=(INSULT + r"|dasar|kalian|antek|kadrun|kadal|onta",),
    ),
    Rule(
        "ip_hate_group",
        "identity_politics",
        rf"(?<!rasa ){NEG_BEFORE}\b(benci|muak|jijik|najis|ogah|gak sudi|ga sudi)\b (sama |dengan |"
        rf"dengan para |pada |kepada |ama |ke |sama semua |sama para )?{PEOPLE}\b|"
        rf"\b{HARM}\b (semua |saja |aja |para |kaum |si )?{PEOPLE}\b|"
        rf"\b{PEOPLE}\b.{{0,30}}\b(harus|wajib|mesti|layak|pantas|sebaiknya|mending|biar|"
        rf"perlu)\b (di)?({HARM}|pergi|pulang|angkat kaki|keluar dari indonesia|hilang|"
        rf"lenyap|dihabisi|mati)\b|"
        rf"\b{PEOPLE}\b.{{0,20}}\b(gak|tidak|nggak|ga|tak|bukan)\b (pantas|layak|boleh|"
        rf"berhak|selevel|cocok|sederajat)\b (hidup|tinggal|ada|memimpin|jadi pemimpin|"
        rf"di indonesia|di negeri ini|di sini|dengan kita|sama kita)|"
        rf"\b{PEOPLE}\b.{{0,20}}\bpulang (ke|aja ke|saja ke) (cina|china|arab|israel|"
        rf"negara|negeri|kampung)",
        "kebencian, ancaman atau pengusiran terhadap kelompok agama/suku",
        strong=True,
        outside_quotes=True,
        gates=(
            rf"benci|muak|jijik|najis|anti|ogah|sudi|pulang|pantas|layak|boleh|berhak|"
            rf"selevel|cocok|sederajat|{HARM}",
        ),
    ),
    Rule(
        "ip_contempt_group",
        "identity_politics",
        rf"\b{GROUP}\b{FILLER}{{0,5}} {NEG_BEFORE}{CONTEMPT}\b|"
        rf"{NEG_BEFORE}\b{CONTEMPT}\b( \S+){{0,1}} (dari |daripada |kayak |seperti |sama |"
        rf"buat |semua |para )?{GROUP}\b|"
        # "gak ada yang lebih buruk dari orang X", "anjing gue lebih pintar dari orang X"
        rf"\b{WORSE}\b (dari|daripada) (\S+ ){{0,2}}{GROUP}\b|"
        rf"\b(hidup|nyawa|hidupnya)( \S+)? {GROUP}\b( \S+){{0,3}} (gak|tidak|nggak|ga|tak) "
        rf"(ada artinya|ada harganya|berharga|berarti|penting)",
        "merendahkan atau menyamakan kelompok agama/suku/ras dengan hal hina",
        strong=True,
        outside_quotes=True,
        gates=(CONTEMPT + "|" + WORSE + r"|hidup|nyawa", GROUP),
    ),
    Rule(
        "ip_hatred_group",
        "identity_politics",
        rf"(?<!\brasa ){NEG_BEFORE}\b{EMOTE}\b( banget| sekali| bgt| setengah mati)? (sama |"
        rf"dengan |ama |ke |kepada |terhadap |pada |semua |para |sama semua |sama para |"
        rf"banget sama |sekali sama )*{GROUP}\b|"
        rf"\b{GROUP}\b( \S+){{0,4}} (bikin|membuat|buat) (gue|gua|gw|aku|saya|kami|kita|"
        rf"orang) (jadi |pengen |ingin |merasa )?{EMOTE}\b|"
        rf"\b(jijik|benci|muak|eneg)( \S+)? (gue|gua|gw|aku|saya) (terhadap|sama|ke|kepada|pada)"
        rf" {GROUP}\b",
        "menyatakan benci atau jijik terhadap kelompok agama/suku/ras",
        strong=True,
        outside_quotes=True,
        gates=(EMOTE, GROUP),
    ),
    Rule(
        "ip_threat_group",
        "identity_politics",
        rf"{NEG_BEFORE}\b{INTENT}\b( \S+){{0,2}} (di|nge|me|di )?{HARM_ALL}\b( \S+){{0,3}} "
        rf"{GROUP}\b|\b{GROUP}\b( \S+){{0,6}} {NEG_BEFORE}{INTENT}\b( \S+){{0,2}} "
        rf"(di|nge|me|di )?{HARM_ALL}\b|"
        rf"\b{GROUP}\b( \S+){{0,4}} (gak|tidak|nggak|ga|tak) (punya|ada) (hak|tempat) "
        rf"(hidup|untuk hidup|buat hidup|tinggal|di sini|di negara|di negeri|di indonesia)|"
        rf"{NEG_BEFORE}\b{HARM_ORDER}( aja| saja|lah|in)?( tuh| tu| itu| si| semua| para| kaum|"
        rf" seluruh)* {GROUP}\b|"
        rf"\b{GROUP}\b( \S+){{0,4}} (di)?{HARM_ALL} (aja|saja|semua|semuanya)\b|"
        rf"\b{INTENT} (bikin|buat|membuat) {GROUP}( \S+){{0,2}} (menderita|mati|sengsara|"
        rf"mampus|punah)\b|"
        rf"\blebih (baik|bagus|aman|damai|maju|tenang) tanpa( ada)? {GROUP}\b|"
        # "cina ... menguasai ekonomi ... ayo usir dari indonesia": the order names no one
        # but follows the group in the same post.
        rf"\b{GROUP}\b.{{0,100}}\b{HARM_ORDER} (dia|mereka|saja|semua|semuanya|dari "
        rf"(indonesia|nkri|negeri|negara|sini|tanah air))\b",
        "ancaman, ajakan membunuh atau mengusir kelompok agama/suku/ras",
        strong=True,
        outside_quotes=True,
        gates=(HARM_ALL + r"|" + HARM_ORDER + r"|punya|ada|tanpa", GROUP),
    ),
    Rule(
        "ip_religion_enemy",
        "identity_politics",
        r"\b(rezim|pemerintah|pemerintahan|penguasa|presiden|partai|capres|cawapres|"
        r"paslon|kubu|antek|pendukung)( \S+){0,2} (anti|musuh|memusuhi|membenci) "
        r"(islam|umat islam|umat|ulama|agama|kristen|muslim)\b|\bkriminalisasi ulama\b",
        "menuduh lawan politik memusuhi agama atau umat",
        strong=True,
        outside_quotes=True,
        gates=(r"anti|musuh|membenci|kriminalisasi",),
    ),
    Rule(
        "ip_group_hostile",
        "identity_politics",
        rf"\b{GROUP}\b.{{0,60}}\b({INSULT}|{HARM_ALL}|{EMOTE}|penista agama|penistaan)\b|"
        rf"\b({INSULT}|{HARM_ALL}|{EMOTE}|penista agama)\b.{{0,40}}\b{GROUP}\b",
        "kelompok agama/suku disebut dekat kata bermusuhan",
        outside_quotes=True,
        counterable=True,
        gates=(GROUP,),
    ),
    Rule(
        "ip_worship_campaign",
        "identity_politics",
        r"\b(khotbah|khutbah|ceramah|pengajian|mimbar|jemaat|jamaah|jemaah|ustadz|ustad|"
        r"pendeta|pastor|romo|kyai|kiai|imam|takmir|majelis taklim|misa|kebaktian|"
        r"sholat jumat|salat jumat|jumatan)\b.{0,80}\b(suruh|disuruh|diminta|minta|mengajak|"
        r"ajak|diajak|menyerukan|serukan|wajib|harus|diarahkan|arahkan|instruksi|"
        r"diinstruksikan|ingatkan|diingatkan)\b.{0,40}\b(pilih|memilih|milih|coblos|nyoblos|"
        r"dukung|mendukung|menangkan|memenangkan)\b",
        "kampanye dari tempat ibadah atau mimbar agama",
        strong=True,
        gates=(
            r"khotbah|khutbah|ceramah|pengajian|mimbar|jemaat|jamaah|jemaah|ustad|pendeta|"
            r"pastor|romo|kyai|kiai|imam|takmir|taklim|misa|kebaktian|jumat",
        ),
    ),
    Rule(
        "ip_harmony",
        "identity_politics",
        HARMONY,
        "pesan kerukunan atau toleransi",
        suppressor=True,
    ),
    Rule(
        "ip_counter",
        "identity_politics",
        COUNTER_IP,
        "menolak isu SARA atau mengutip hinaan untuk mengecamnya",
        suppressor=True,
    ),
)
