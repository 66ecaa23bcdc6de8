"""Word lists the rule layer is built from, over `normalize` output (lower case, slang fixed).

Each fragment is a regex group. Kept apart from `rules.py` so the rules read as sentences.
Money amounts arrive as the token `nominaluang` ("50rb", "Rp 100.000", "2 juta").
"""

from __future__ import annotations

# --- voting -----------------------------------------------------------------------------
# Verbs and ballot words that make a gift conditional on a vote (not "pemilu" as a date).
VOTE_ACT = (
    r"(coblos|nyoblos|mencoblos|dicoblos|contreng|pilih|memilih|milih|dipilih|dukung|"
    r"mendukung|menangkan|memenangkan|menangin|nomor \d+|nomer \d+|no \d+|nomor urut|"
    r"no urut|paslon|caleg|capres|cagub|cabup|cawalkot|calon|datang ke tps|ke tps)"
)
# A vote act with its object: what a conditional gift asks for ("pilih nomor 3", "coblos").
BALLOT = (
    r"(coblos|nyoblos|mencoblos|dicoblos|contreng|nomor \d+|nomer \d+|no \d+|nomor urut|"
    r"no urut|datang ke tps|ke tps|(pilih|memilih|milih|dukung|mendukung|menangkan|"
    r"memenangkan|menangin) (nomor|nomer|no|paslon|caleg|capres|cagub|cabup|calon|dia|"
    r"beliau|bapak|ibu|pak|bu|kami|saya|kita|partai|yang))"
)
# Broad election context (feature rules only: too common in news to floor a score).
VOTE = (
    r"(coblos|contreng|pilih|memilih|dipilih|nomor urut|no urut|nomor \d+|nomer \d+|suara|"
    r"paslon|caleg|capres|cagub|cabup|calon|tps|pemilu|pilkada|pilpres|pileg|pilkades|"
    r"golput|timses|tim sukses|kampanye|dukung)"
)
# Who hands out the money in an allegation.
GIVER = (
    r"(timses|tim sukses|tim pemenangan|tim kampanye|relawan|caleg|paslon|capres|cagub|cabup|"
    r"calon (bupati|gubernur|walikota|wali kota|legislatif|kades|kepala desa)|kader partai|"
    r"orang partai|koordinator|korlap|korwil)"
)

# --- money and goods --------------------------------------------------------------------
MONEY = (
    r"(amplop|nominaluang|uang|duit|doku|sembako|beras|bensin|voucher|pulsa|token listrik|"
    r"saldo|transfer|tf|gopay|ovo|shopeepay|linkaja|dibayar|bayaran|salam tempel|"
    r"sarung|minyak goreng|mukena|kaos dan uang|kupon)"
)
EUPHEMISM = (
    r"(serangan fajar|serangan subuh|salam tempel|wani piro|uang (transport|transportasi|"
    r"bensin|rokok|saku|lelah|capek|duduk|makan|pengganti|kopi)|bantu bensin|mahar politik|"
    r"beli suara|jual suara|suara dibeli|membeli suara|politik uang|money politic|"
    r"money politik|bagi bagi (uang|amplop|sembako|duit)|dibagikan amplop|bagi amplop|"
    r"ongkos coblos|uang coblos|sangu)"
)
# Football, weddings and condolences use the same words ("serangan fajar", "amplop").
FOOTBALL = (
    r"(sepak bola|sepakbola|timnas|liga \d?|persib|persija|arema|persebaya|psm|psis|bali united|"
    r"striker|kiper|gelandang|bek|wasit|penalti|kick off|menit ke|babak (pertama|kedua)|"
    r"mencetak gol|gol|pertandingan|laga|stadion|klub)"
)
ENVELOPE_SOCIAL = (
    r"(kondangan|nikahan|pernikahan|resepsi|hajatan|sunatan|khitanan|takziah|melayat|"
    r"duka cita|dukacita|lebaran|thr|angpao|angpau|imlek|arisan|kado)"
)

# --- candidates and slander -------------------------------------------------------------
CANDIDATE = (
    r"(capres|cawapres|caleg|cagub|cawagub|cabup|cawabup|cawalkot|paslon|calon (presiden|"
    r"gubernur|bupati|walikota|wali kota|legislatif|kepala daerah)|petahana|presiden|gubernur|"
    r"bupati|walikota|wali kota|ketua umum|ketum|kpu|bawaslu|prabowo|jokowi|ganjar|anies|"
    r"gibran|mahfud|muhaimin|cak imin|ahok|ridwan kamil|puan|megawati|sby|ahy|nomor urut \d+|"
    r"no urut \d+|paslon \d+|kandidat|partai (itu|ini|mereka|dia|merah|biru|kuning|banteng))"
)
# Epithets that are slander or insult whatever follows (no record is being criticised).
SLUR_BC = (
    r"(antek (asing|aseng|cina|china|pki|komunis|yahudi|amerika|zionis|oligarki)|"
    r"keturunan pki|anak pki|cucu pki|kader pki|simpatisan pki|neo pki|pki gaya baru|"
    r"boneka (asing|aseng|cina|china|oligarki|amerika)|agen (asing|cia|mossad|zionis)|"
    r"dibiayai (asing|aseng|cina|china|yahudi)|kaki tangan (asing|aseng|cina|china)|"
    r"plonga plongo|planga plongo|sakit jiwa|gila|dungu|bodoh|tolol|goblok|goblog|idiot|"
    r"bego|pendusta|pembohong|penipu rakyat|pengkhianat bangsa|pengkhianat|penculik|"
    r"pembunuh|diktator|fir aun|firaun|dajjal|iblis|setan|bajingan|bangsat|sontoloyo)"
)
# Invented affairs and crimes (an allegation without a source).
SCANDAL = (
    r"(istri simpanan|wanita simpanan|punya simpanan|selingkuhan|selingkuh|perselingkuhan|"
    r"anak (haram|di luar nikah|hasil selingkuh)|ijazah palsu|pecandu narkoba|pemakai narkoba|"
    r"bandar narkoba|pedofil|penyuka sesama jenis|gay|lgbt|nikah siri|zina|mualaf palsu|"
    r"murtad|menyembah berhala|dukun|pesugihan)"
)
# Crime words that sourced criticism and court news use too (feature only, never a floor).
CRIME = r"(koruptor|korupsi|maling|garong|rampok|penjahat|narkoba|pelanggar ham|kriminal)"
HEARSAY = (
    r"(katanya|kabarnya|konon|rumornya|kabar burung|dengar dengar|denger denger|"
    r"orang dalam|info dari|sumber terpercaya|ternyata|terbongkar|fakta mengejutkan|"
    r"yang ditutupi|media tidak memberitakan|awas|hati hati)"
)
SOURCED = (
    r"(menurut (data|laporan|catatan|audit|putusan|hasil)|berdasarkan (data|laporan|putusan|"
    r"audit|catatan)|data (bps|bpk|kpk|icw|kemenkeu|bank dunia)|laporan (bpk|icw|kpk|"
    r"ombudsman|komnas ham)|putusan (pengadilan|mk|ma|pn|tipikor)|divonis|terpidana|"
    r"ditetapkan (sebagai )?tersangka|dakwaan|jaksa|persidangan|sidang)"
)
HISTORY = (
    r"(pelajaran sejarah|buku sejarah|guru sejarah|sejarawan|dosen sejarah|museum|monumen|"
    r"diorama|kurikulum|dokumenter|seminar|diskusi sejarah|napak tilas|kesaktian pancasila|"
    r"lubang buaya|peringatan (g30s|g 30 s|peristiwa)|peristiwa (1965|1948|madiun|g30s)|"
    r"tragedi 1965|tahun 1965|tahun 1948|pemberontakan (pki|madiun)|g30s|g 30 s|"
    r"gerakan 30 september|sejarah (mencatat|kelam|bangsa|indonesia))"
)

# --- identity (SARA) --------------------------------------------------------------------
RELIGION = (
    r"(islam|muslim|muslimin|kristen|kristiani|nasrani|katolik|katholik|protestan|hindu|"
    r"hindhu|buddha|budha|buddhis|budhis|konghucu|khonghucu|yahudi|syiah|ahmadiyah|"
    r"wahabi|ateis|atheis|non muslim|nonmuslim|kafir|kapir)"
)
ETHNIC = (
    r"(cina|china|tionghoa|chindo|aseng|cokin|arab|india|keling|jawa|sunda|batak|minang|"
    r"minangkabau|padang|bugis|makassar|madura|betawi|bali|ambon|papua|aceh|dayak|manado|"
    r"minahasa|ntt|flores|timor|bima|sasak|melayu|banjar|nias|toraja|bule|negro|pribumi|"
    r"non pribumi|pendatang|timur tengah|jawir|jamet)"
)
# Regional names that follow an ethnic word but make it a place, not a people.
PLACE_TAIL = r"(barat|tengah|timur|utara|selatan|pos|raya|bank|tenggara|daya|besar|kecil)"
# Race words (ras): skin colour and the old anthropological names for peoples.
RACE = (
    r"(kulit (hitam|putih|berwarna|sawo matang|kuning|gelap)|negro|negroid|mongoloid|"
    r"kaukasoid|kaukasia|melanesoid|melanesia|ras (kuning|hitam|putih|campuran))"
)
# A people: "orang/suku/umat X", or a word that always names a group of people.
PEOPLE = (
    rf"((orang|orang orang|etnis|suku|kaum|umat|bangsa|ras|keturunan|warga|golongan|para|"
    rf"kelompok|agama) ({RELIGION}|{ETHNIC})(?! {PLACE_TAIL}\b)|orang (asli|timur)\b|{RACE}|"
    r"kafir|kapir|aseng|cokin|chindo|cina|china|tionghoa|yahudi|nasrani|non muslim|"
    r"nonmuslim|pribumi|non pribumi|kadrun|kadal gurun|onta|jawir|syiah|ahmadiyah|"
    r"wahabi|antek (yahudi|aseng|cina|china|zionis))"
)
# A people in the words chat uses to generalise about it ("orang X", "kaum X", "kafir"):
# no "warga X" or "agama X", which news uses every day about residents and institutions.
GROUP = (
    rf"((semua |seluruh |para |kalian |mereka )?(orang|orang orang|etnis|suku|kaum|umat|"
    rf"bangsa|ras|keturunan|golongan) ({RELIGION}|{ETHNIC})(?! {PLACE_TAIL}\b)|"
    rf"orang (asli|timur)(?! {PLACE_TAIL}\b)|{RACE}|kafir|kapir|aseng|cokin|chindo|cina|china|"
    r"yahudi|pribumi|non pribumi|kadrun|jawir|syiah|ahmadiyah|wahabi)"
)
# Contempt no news sentence uses about people (derogation and dehumanisation): safe within
# a few words of a group. Ambiguous nouns (sampah, babi, hewan, kotor) stay in INSULT,
# which only counts right after the group.
CONTEMPT = (
    r"(bajingan|bangsat|brengsek|keparat|bedebah|laknat|terlaknat|biadab|bejat|menjijikkan|"
    r"menjijikan|jijik|tolol|goblok|goblog|bego|dungu|idiot|bodoh|sebodoh|segoblok|setolol|"
    r"sebego|pemalas|licik|munafik|kampungan|terbelakang|primitif|rendahan|makhluk rendahan|"
    r"gak waras|tidak waras|nggak waras|sinting|gak punya otak|gak ada otaknya|tidak punya "
    r"otak|gak pernah ada otaknya|menyedihkan|menjengkelkan|nyebelin|paling buruk|terburuk|"
    r"sampah masyarakat|sampah manusia|manusia sampah|cuma sampah|kecoa|parasit|benalu|"
    r"lintah|kanker|wabah buat|hama buat|gak berguna|tidak berguna|gak ada harganya|"
    r"tidak ada harganya|gak ada artinya|beban (negara|masyarakat|bangsa)|gak beradab|"
    r"tidak beradab|gak tahu diri|tak tahu diri|tidak tahu diri|omong kosong|bullshit|"
    r"ancaman bagi (peradaban|negara|bangsa|kita|masyarakat)|bikin ulah|biang (kerok|onar)|"
    r"gak jujur|tidak jujur|pembohong|penipu|"
    r"gak bisa dipercaya|tidak bisa dipercaya|bukan manusia|kayak binatang|seperti binatang|"
    r"kebun binatang|derajat(nya)? rendah)"
)
# Feelings of hatred or disgust a speaker declares towards a group.
EMOTE = (
    r"(benci|membenci|muak|jijik|eneg|enek|mual|kesel|kesal|sebel|sebal|gak tahan|"
    r"tidak tahan|nggak tahan|gak sudi|ogah|gak suka|tidak suka|nggak suka)"
)
# Harm done to people: killing, expelling, wiping out (active and passive forms).
HARM_ALL = (
    r"(bunuh|ngebunuh|membunuh|bunuhin|dibunuh|bantai|ngebantai|membantai|dibantai|habisi|"
    r"habisin|ngehabisin|menghabisi|dihabisi|musnahkan|musnahin|memusnahkan|dimusnahkan|"
    r"basmi|basmiin|membasmi|dibasmi|ganyang|usir|ngusir|mengusir|usirin|diusir|tembak|"
    r"nembak|menembak|tembakin|ditembak|tusuk|nusuk|menusuk|ditusuk|bakar|ngebakar|"
    r"membakar|dibakar|gantung|digantung|penggal|dipenggal|cekik|nyekek|mencekik|siksa|"
    r"nyiksa|menyiksa|disiksa|gebukin|hajar|singkirin|nyingkirin|singkirkan|"
    r"menyingkirkan|disingkirkan|buang|dibuang|tenggelamin|tenggelamkan|ditenggelamkan|"
    r"lenyapkan|dilenyapkan|enyahkan|hukum mati|dihukum mati|mati|mampus|menderita|"
    r"punah|diperangi|perangi|memerangi)"
)
# Harm as an order or a wish ("basmi aja tuh orang X"): active forms only, since news
# reports passives ("ditembak") and formal actives ("membunuh") about victims every day.
HARM_ORDER = (
    r"(bunuh|ngebunuh|bunuhin|bantai|ngebantai|habisi|habisin|ngehabisin|musnahkan|"
    r"musnahin|basmi|basmiin|ganyang|usir|usirin|ngusir|tembak|tembakin|bakar|singkirin|"
    r"nyingkirin|singkirkan|buang|tenggelamin|tenggelamkan|gantung|penggal|hajar|sikat|"
    r"lenyapkan|enyahkan|perangi|dihukum mati|hukum mati|gas|tusuk|cekik|nyekek)"
)
# Comparisons that rank a group below everything ("gak ada yang lebih buruk dari X").
WORSE = (
    r"(lebih (buruk|parah|jelek|hina|rendah|bodoh|goblok|tolol|kotor|bau|jahat|menjijikkan|"
    r"menjijikan|pintar|pinter|berharga|baik)|sekotor|sebau|sejahat|seburuk|separah|"
    r"sehina|serendah|yang gw benci|yang gue benci|yang aku benci|yang saya benci)"
)
# What makes harm a threat or a wish rather than a report ("bakal", "harus", "pengen").
INTENT = (
    r"(bakal|akan|pengen|pingin|pengin|ingin|mau|harus|harusnya|seharusnya|pantas|pantes|"
    r"layak|mending|perlu|wajib|mesti|ayo|mari|biar|sebaiknya|sebaiknya kita|bisa|patut)"
)
# Negators that, right before a hostile word, turn it around ("gak benci", "bukan bodoh").
NEG_BEFORE = (
    r"(?<!\bgak )(?<!\bga )(?<!\bgk )(?<!\bnggak )(?<!\bngga )(?<!\btidak )(?<!\btak )"
    r"(?<!\bbukan )(?<!\bjangan )(?<!\bjgn )(?<!\benggak )(?<!\bbelum )(?<!\bkurang )"
)
# The identity a voter is told to vote for or against.
SAME_IDENTITY = (
    r"(seiman|seagama|seakidah|se iman|se agama|sesuku|satu agama|satu iman|satu akidah|"
    r"satu suku|sedarah|putra daerah|putera daerah|orang asli|pribumi|asli daerah|"
    r"muslim|islam|kristen|katolik|nasrani|hindu|buddha|kafir|kapir|non muslim|nonmuslim|"
    r"cina|china|aseng|tionghoa|jawa|batak|minang|papua|bugis|sunda|arab|yahudi)"
)
# Dehumanising or contemptuous words (an attack when aimed at a people).
INSULT = (
    r"(babi|anjing|anjir|bangsat|laknat|terlaknat|sampah|najis|biadab|sesat|penjajah|benalu|"
    r"parasit|tikus|kotor|busuk|bodoh|goblok|goblog|tolol|dungu|idiot|bego|brengsek|keparat|"
    r"iblis|setan|monyet|kera|binatang|hewan|kampungan|terbelakang|primitif|hina|rendahan|"
    r"hina dina|gila|licik|rakus|serakah|pemalas|malas|pencuri|maling|penipu|teroris|"
    r"kafir|musuh (agama|islam|allah|negara|bangsa|umat)|tidak beradab|gak beradab|"
    r"ga beradab|nggak beradab|menjijikkan|menjijikan|jijik|keji|bejat|bau|dekil|kampret)"
)
HARM = (
    r"(usir|usirlah|diusir|bunuh|dibunuh|bantai|dibantai|ganyang|basmi|dibasmi|musnahkan|"
    r"dimusnahkan|habisi|dihabisi|tumpas|ditumpas|sikat|bakar|dibakar|gantung|digantung|"
    r"penggal|dipenggal|gorok|digorok|tembak|ditembak|perangi|diperangi|lenyapkan|"
    r"singkirkan|disingkirkan|enyahkan|mampus|mati saja|mati aja|modar)"
)

# --- conditions, appeals and counter-speech ----------------------------------------------
# Conditions that tie a gift to a vote ("asal coblos", "syaratnya pilih", "buat nyoblos").
IF_COND = (
    r"(asal|asalkan|asal mau|syarat|syaratnya|dengan syarat|yang penting|tapi harus|"
    r"tapi wajib|biar|supaya|agar|untuk|buat|ditukar|tukar|imbalan|sebagai ganti|"
    r"kalau|kalo|jika|jangan lupa)"
)
AGAINST_MP = (
    r"((tolak|lawan|laporkan|lapor|jangan terima|jangan mau|jangan tergiur|haram|stop|anti|"
    r"hindari|waspadai|waspada|tidak akan|gak akan|ogah|menolak|melawan|cegah|mencegah|"
    r"berantas|awasi|mengawasi|pidana|sanksi|larangan|dilarang|imbau|mengimbau|himbau|"
    r"bahaya|dampak|sosialisasi|deklarasi|kampung|desa|gerakan) (anti )?(terhadap )?"
    r"(politik uang|serangan fajar|money politic|money politik|politik transaksional|"
    r"beli suara|jual beli suara|suap pemilih|amplop)|"
    r"(ambil|terima) (uangnya|duitnya|amplopnya).{0,20}(jangan|tapi jangan) (pilih|coblos)|"
    r"(politik uang|serangan fajar|money politic|amplop) (itu |adalah )?(haram|dosa|pidana|"
    r"merusak|racun|musuh|dilarang|bisa dipidana|diancam)|"
    r"jangan (diterima|terima|diambil|mau dibeli)|(itu|adalah) (pidana|risywah)|"
    r"(laporkan|lapor|laporin) (ke )?(bawaslu|panwas|panwascam|gakkumdu)|"
    r"jangan pilih orangnya|suara (kita |kami )?(tidak|gak|tak|bukan untuk) (dijual|bisa dibeli))"
)
DEBUNK = (
    r"(klarifikasi|cek fakta|cekfakta|faktanya|fakta sebenarnya|tidak benar|tak benar|"
    r"adalah hoaks|adalah hoax|merupakan hoaks|merupakan hoax|dipastikan hoaks|"
    r"(informasi|kabar|berita|klaim|narasi|video|foto|pesan) (tersebut|itu|ini) "
    r"(salah|keliru|hoaks|hoax|tidak benar|palsu|menyesatkan)|"
    r"membantah|bantahan|dibantah|disinformasi|turnbackhoax|mafindo|jangan mudah percaya|"
    r"waspada (hoaks|hoax)|lawan (hoaks|hoax)|tangkal (hoaks|hoax)|hoaks lama|"
    r"(konten|informasi) (yang )?menyesatkan|sudah dibantah|telah dibantah)"
)
HARMONY = (
    r"(toleransi|kerukunan|bhinneka|lintas agama|lintas iman|antar umat|antarumat|"
    r"saling menghormati|saling menghargai|pemilu damai|pilkada damai|fkub|"
    r"jangan (bawa|bawa bawa|gunakan|pakai|mainkan|memainkan|jual) (isu )?(sara|agama|suku)|"
    r"tolak politik identitas|cegah sara|tolak sara|anti sara|tanpa (isu )?sara)"
)
# Verbs and nouns of speech: what someone said, wrote or threatened.
REPORT = (
    r"(bilang|ngomong|omong|nyebut|menyebut|ngatain|ngatai|mengatai|mengatakan|nulis|menulis|ngancem|ngancam|mengancam|maksa|"
    r"memaksa|berkata|mengatakan|ucapan|postingan|posting|komentar|cuitan|twit|tweet|"
    r"kata kata|omongan|ujaran|seruan|teriak|teriakan|neriakin|meneriakkan|ngeharepin|"
    r"mengharapkan|menyerukan|nyerukan|ngajak|mengajak)"
)
# What the writer calls that speech: punishable, hurtful, narrow-minded, to be stopped.
CONDEMN = (
    r"(penjara|dipenjara|dipidana|dipolisikan|dituntut|tuntut|dilaporkan|laporin|laporkan|"
    r"di ban|diban|dibanned|di banned|diblokir|blokir|menyakitkan|nyakitin|sakit hati|"
    r"sakit liat|sakit lihat|sempit|pikiran lo|pemikiranmu|sesatnya|berhenti|"
    r"mentolerir|gak bisa diterima|tidak bisa diterima|tak bisa diterima|memalukan|"
    r"keterlaluan|rasis|rasisme|ujaran kebencian|kebencian|intoleran|dikecam|mengecam|"
    r"kecam|salah besar|itu salah|adalah salah|gak pantas diucapkan|harus dihukum|"
    r"dihukum|ditangkap|minta maaf|dikeluarkan|dipecat|gak baik|tidak baik|nggak baik|"
    r"tak baik|gak sopan|tidak sopan|rasa hormat|gak bakal ngomong|tidak akan bicara)"
)
# Counter-speech: rejecting SARA mobilisation, or quoting a slur to condemn it.
COUNTER_IP = (
    r"(jangan (termakan|terprovokasi|terpancing|mau diadu|diadu|mudah diadu|terpecah)|"
    r"(tolak|menolak|lawan|melawan|stop|hentikan|hindari|cegah|mencegah|kecam|mengecam) "
    r"(politisasi (agama|sara|identitas)|politik identitas|isu sara|sara|ujaran kebencian|"
    r"rasisme|rasis|diskriminasi|intoleransi|kampanye sara|kampanye hitam)|"
    r"(tidak boleh|tak boleh|gak boleh|ga boleh|jangan|dilarang|bukan) (memilih|pilih|milih|"
    r"menilai|membenci|benci)( pemimpin| calon)? (hanya |cuma )?(berdasarkan|karena|atas dasar|"
    r"dari|soal|dilihat dari) (agama|suku|ras|etnis|sara|identitas|warna kulit|keturunan)|"
    r"(istilah|sebutan|kata|label|cap|julukan|panggilan|menyebut|sebut|manggil|memanggil|"
    r"mengatai|ngatain|mengkafirkan) .{0,15}(kafir|aseng|kadrun|cebong|cina|china|pki)|"
    r"ujaran kebencian (ke|kepada|terhadap|pada)|(itu|adalah|namanya|sangat|tuh) rasis|"
    r"penuh kebencian|"
    # Reported speech held up for blame: "kenapa lo bilang ...", "dipenjara karena ...".
    r"(kenapa|ngapain|kok|mengapa) (lo|lu|elo|kamu|anda|dia|mereka|kalian) (bilang|ngomong|"
    r"nyebut|menyebut|ngatain|mengatai|manggil|memanggil|percaya|nulis|menulis)|"
    r"(kalau|kalo|jika|waktu|pas) (lo|lu|elo|kamu|anda|kalian) (bilang|ngomong|nyebut|"
    r"menyebut|ngatain|manggil|memanggil)|"
    r"(lo|lu|elo|kamu|anda|kalian) (beneran|benar benar|serius|masih|kok) (percaya|mikir|"
    r"berpikir|yakin|anggap|menganggap)|"
    r"(dipenjara|dihukum|ditangkap|dilaporkan|dipecat|ditegur) (karena|gara gara) (bilang|"
    r"ngomong|menyebut|nyebut|menulis|nulis|ngeharepin|mengharapkan|menyerukan)|"
    r"(gue|gua|gw|saya|aku) (gak|tidak|nggak|ga|tak) pernah (bilang|ngomong|menyebut|"
    r"nyebut)|intoleran (itu|adalah)|bukan (soal|masalah|urusan) (agama|suku|ras)|"
    r"semua (agama|suku|etnis) (sama|setara|saudara|mengajarkan)|"
    r"(dilarang|larangan|melarang|tegur|ditegur|sanksi|tidak boleh|jangan) (ber)?kampanye "
    r"di (rumah|tempat) ibadah|"
    # Negated generalisation and refusing to excuse it: "gak ada orang X yang pantas mati".
    r"\b(gak ada|ga ada|gaada|gada|nggak ada|tidak ada|tak ada|enggak ada|tiada) "
    rf"{GROUP} yang (pantas|pantes|layak|boleh|berhak|harus|mesti)|"
    r"(gak|ga|nggak|tidak|tak|jangan) (boleh|bisa) (dukung|mendukung|"
    r"ngedukung|membenarkan|ngebenerin|ngebiarin|membiarkan|biarin|mentolerir|memaklumi|"
    r"menormalisasi|nyebarin|menyebarkan|ikut)|"
    # Hateful words reported in order to condemn them (quoted or not).
    rf"\b{REPORT}\b.{{0,120}}\b{CONDEMN}|\b{CONDEMN}\b.{{0,120}}\b{REPORT}\b)"
)
COUNTER_BC = (
    r"((itu|adalah|hanya|cuma|semua) fitnah|jangan (percaya|termakan|sebar|menyebar) "
    r"(fitnah|isu|hoaks|kampanye hitam)|(stop|tolak|lawan|hentikan|kecam|mengecam) "
    r"(fitnah|kampanye hitam|black campaign)|kampanye hitam (itu|adalah|harus|dilarang|"
    r"merusak)|bukan (anak|keturunan|antek|kader) pki)"
)
