"""Error strings of the one translation table: problem titles and `monitor.core.errors` messages.

Kept apart only for the file's length; `monitor.core.i18n` merges them into its table.
"""

ERROR_STRINGS: dict[str, tuple[str, str]] = {
    "problem.400": ("Permintaan tidak valid", "Bad Request"),
    "problem.401": ("Perlu autentikasi", "Unauthorized"),
    "problem.403": ("Tidak diizinkan", "Forbidden"),
    "problem.404": ("Tidak ditemukan", "Not Found"),
    "problem.405": ("Metode tidak diizinkan", "Method Not Allowed"),
    "problem.409": ("Konflik", "Conflict"),
    "problem.413": ("Isi permintaan terlalu besar", "Content Too Large"),
    "problem.422": ("Isi tidak dapat diproses", "Unprocessable Content"),
    "problem.429": ("Terlalu banyak permintaan", "Too Many Requests"),
    "problem.500": ("Kesalahan server", "Internal Server Error"),
    "problem.503": ("Layanan tidak tersedia", "Service Unavailable"),
    "error.unavailable": (
        "Layanan ini belum tersedia di sini.",
        "This service is not available here.",
    ),
    "error.pdf_renderer": (
        "PDF tidak dapat dibuat di server ini (WeasyPrint butuh pango: apt-get install "
        "libpango-1.0-0 libpangoft2-1.0-0); versi HTML tetap bisa dibuka.",
        "PDFs cannot be made on this server (WeasyPrint needs pango: apt-get install "
        "libpango-1.0-0 libpangoft2-1.0-0); the HTML version still works.",
    ),
    "problem.other": ("Kesalahan", "Error"),
    "error.bad_request": ("Permintaan tidak valid.", "Bad request."),
    "error.unauthorized": ("Silakan masuk lagi.", "Log in again."),
    "error.conflict": ("Item ini baru saja diubah orang lain.", "Someone else just changed this."),
    "error.method_not_allowed": (
        "Metode ini tidak didukung di alamat ini.",
        "This method is not supported at this address.",
    ),
    "error.rate_limited": (
        "Batas permintaan untuk kunci ini terlampaui; perlambat.",
        "Rate limit for this key exceeded; slow down.",
    ),
    "error.auth_failures": (
        "Terlalu banyak autentikasi gagal; perlambat.",
        "Too many failed authentications; slow down.",
    ),
    "error.key_invalid": (
        "Kunci API tidak valid, kedaluwarsa, atau dicabut.",
        "The API key is invalid, expired or revoked.",
    ),
    "error.key_missing": (
        "Kirim kunci API sebagai 'Authorization: Bearer <kunci>' atau 'X-API-Key'.",
        "Send an API key as 'Authorization: Bearer <key>' or 'X-API-Key'.",
    ),
    "error.role_forbidden": (
        "Peran '{role}' tidak boleh melakukan tindakan '{action}'.",
        "Role '{role}' may not perform '{action}'.",
    ),
    "error.invalid_decision": ("Keputusan tidak valid: {problems}", "Invalid decision: {problems}"),
    "error.body_parse": (
        "Isi permintaan bukan JSON atau formulir yang valid.",
        "The request body is not valid JSON or form data.",
    ),
    "error.validation": ("Validasi permintaan gagal.", "Request validation failed."),
    "error.too_large": (
        "Isi permintaan melebihi {limit} bita.",
        "Request body exceeds {limit} bytes.",
    ),
    "error.unexpected": (
        "Terjadi kesalahan tak terduga; sudah dicatat.",
        "An unexpected error occurred; it has been logged.",
    ),
    "error.bulk_post_only": (
        "Gunakan POST untuk keputusan massal.",
        "Use POST for bulk decisions.",
    ),
    "error.no_item": ("Tidak ada item dengan id ini.", "No item with this id."),
    "error.no_cluster": ("Tidak ada klaster dengan id ini.", "No cluster with this id."),
    "error.no_region": (
        "Wilayah {code} tidak ada dalam cakupan Anda.",
        "No region {code} within your scope.",
    ),
    "error.no_alert": (
        "Peringatan {alert_id} tidak ada dalam cakupan Anda.",
        "No alert {alert_id} within your scope.",
    ),
    "error.no_subscription": (
        "Anda tidak punya langganan {sub_id}.",
        "No subscription {sub_id} of yours.",
    ),
    "error.no_source": ("Tidak ada sumber bernama {name}.", "No source named {name}."),
    "error.claimed_by": (
        "Sedang diklaim oleh {holder} sampai {until}.",
        "Claimed by {holder} until {until}.",
    ),
    "error.claimed_just_now": (
        "Peninjau lain baru saja mengklaim item ini.",
        "Another reviewer claimed this item a moment ago.",
    ),
    "error.claimed_not_by_you": (
        "Diklaim oleh {holder}, bukan oleh Anda.",
        "Claimed by {holder}, not by you.",
    ),
    "error.claims_need_key": ("Klaim memerlukan kunci API.", "Claims need an API key."),
    "error.decided_by": (
        "Item ini sudah berstatus \u201c{status}\u201d (diputuskan {who} pada {when}), "
        "bukan lagi \u201c{expected}\u201d; muat ulang dan putuskan lagi bila perlu.",
        "This item is already \u201c{status}\u201d (decided by {who} on {when}), "
        "no longer \u201c{expected}\u201d; reload and decide again if needed.",
    ),
    "error.decided_already": (
        "Item ini sekarang berstatus \u201c{status}\u201d, bukan \u201c{expected}\u201d; "
        "muat ulang dan putuskan lagi bila perlu.",
        "This item is now \u201c{status}\u201d, not \u201c{expected}\u201d; "
        "reload and decide again if needed.",
    ),
    "error.concurrent": (
        "Peninjau lain mengubah item ini pada saat yang sama; muat ulang dan coba lagi.",
        "Another reviewer changed this item at the same moment; reload and retry.",
    ),
    "error.not_in_cluster": (
        "Item ini tidak termasuk klaster mana pun.",
        "This item is not in a cluster.",
    ),
    "error.cluster_needs_all_regions": (
        "Keputusan klaster memerlukan kunci tanpa batas wilayah.",
        "Cluster decisions need a key without region limits.",
    ),
    "error.bad_label": (
        "Label harus salah satu dari {choices}.",
        "Label must be one of {choices}.",
    ),
    "error.bad_status": (
        "Status harus salah satu dari {choices}.",
        "Status must be one of {choices}.",
    ),
    "error.bad_sort": ("Urutan harus salah satu dari {choices}.", "Sort must be one of {choices}."),
    "error.bad_mix": ("mix harus 'uncertain' atau kosong.", "mix must be 'uncertain' or empty."),
    "error.brief_level": (
        "Laporan hanya dibuat untuk provinsi dan kabupaten/kota, bukan {code}.",
        "Briefs are made for provinces and kabupaten/kota only, not {code}.",
    ),
    "error.bad_group_cursor": (
        "Kursor tidak valid; pakai next_cursor dari halaman sebelumnya dengan urutan dan "
        "pengelompokan yang sama.",
        "Invalid cursor; use the next_cursor of a previous page with the same sort and group.",
    ),
    "error.bad_cursor": (
        "Kursor tidak valid; pakai next_cursor dari halaman sebelumnya dengan urutan yang sama.",
        "Invalid cursor; use the next_cursor of a previous page with the same sort.",
    ),
    "error.bad_mix_cursor": (
        "Kursor tidak valid; pakai next_cursor dari halaman sebelumnya dengan urutan dan mix sama.",
        "Invalid cursor; use the next_cursor of a previous page with the same sort and mix.",
    ),
    "error.bad_explore": (
        "explore harus dalam 0..1 dan band dalam (0, 1].",
        "explore must be within 0..1 and band within (0, 1].",
    ),
    "error.date_range": (
        "'{name}' di luar rentang tanggal yang didukung.",
        "'{name}' is outside the supported date range.",
    ),
    "error.too_many_filters": (
        "Terlalu banyak nilai filter berulang.",
        "Too many repeated filter values.",
    ),
    "error.min_over_max": (
        "min_score lebih besar dari max_score.",
        "min_score is greater than max_score.",
    ),
    "error.since_after_until": (
        "'since' harus sebelum 'until'.",
        "'since' must be before 'until'.",
    ),
    "error.needs_timezone": (
        "'{name}' perlu zona waktu, misalnya Z.",
        "'{name}' needs a timezone, e.g. Z.",
    ),
    "error.until_too_early": (
        "'until' terlalu awal untuk jendela itu.",
        "'until' is too early for that window.",
    ),
    "error.period_too_long": (
        "Periode paling panjang {days} hari.",
        "The period may span at most {days} days.",
    ),
    # Subscriptions (monitor/alerts/subscriptions.py): one key per reason, so the whole
    # sentence is in the caller's language.
    "error.sub.name": (
        "Langganan tidak valid: nama harus 1-200 karakter.",
        "Invalid subscription: name must be 1-200 characters",
    ),
    "error.sub.channel": (
        "Langganan tidak valid: kanal harus salah satu dari {known}.",
        "Invalid subscription: channel must be one of {known}",
    ),
    "error.sub.webhook_url": (
        "Langganan tidak valid: target webhook harus URL http(s).",
        "Invalid subscription: webhook target must be an http(s) URL",
    ),
    "error.sub.secret": (
        "Langganan tidak valid: rahasia webhook minimal 16 karakter.",
        "Invalid subscription: webhook secret must be at least 16 characters",
    ),
    "error.sub.webhook_internal": (
        "Langganan tidak valid: target webhook harus alamat publik; admin dapat menambahkan "
        "penerima internal.",
        "Invalid subscription: webhook target must be a public address; an admin can add "
        "internal receivers",
    ),
    "error.sub.webhook_refused": (
        "Langganan tidak valid: target webhook ditolak kebijakan koneksi keluar ({detail}).",
        "Invalid subscription: webhook target refused: {detail}",
    ),
    "error.sub.webhook_https": (
        "Langganan tidak valid: target webhook harus memakai https; admin dapat mengizinkan http.",
        "Invalid subscription: webhook target must use https; an admin can allow http",
    ),
    "error.sub.telegram": (
        "Langganan tidak valid: target Telegram harus ID chat berupa angka atau @namakanal.",
        "Invalid subscription: telegram target must be a numeric chat id or @channelname",
    ),
    "error.sub.email": (
        "Langganan tidak valid: target e-mail harus berupa alamat.",
        "Invalid subscription: email target must be an address",
    ),
    "error.sub.region_unknown": (
        "Langganan tidak valid: kode wilayah {code} tidak dikenal.",
        "Invalid subscription: unknown region code {code}",
    ),
    "error.sub.region_scope": (
        "Langganan tidak valid: wilayah {code} di luar cakupan kunci ini.",
        "Invalid subscription: region {code} is outside this key's scope",
    ),
    "error.sub.regions_needed": (
        "Langganan tidak valid: kunci berwilayah harus menyebut wilayah yang dilanggan.",
        "Invalid subscription: a region-scoped key must name the regions it subscribes to",
    ),
    "error.sub.label": (
        "Langganan tidak valid: label {label} tidak dikenal; pilih salah satu dari {known}.",
        "Invalid subscription: unknown label {label}; one of {known}",
    ),
    "error.sub.rule": (
        "Langganan tidak valid: aturan {rule} tidak dikenal; pilih salah satu dari {known}.",
        "Invalid subscription: unknown rule {rule}; one of {known}",
    ),
    "error.sub.brief_alone": (
        "Langganan tidak valid: {rule} adalah langganan tersendiri; jangan sebut aturan lain.",
        "Invalid subscription: {rule} is a subscription of its own; name no other rule",
    ),
    "error.sub.brief_email": (
        "Langganan tidak valid: {rule} hanya dikirim lewat e-mail.",
        "Invalid subscription: {rule} is sent by email only",
    ),
    "error.sub.brief_regions": (
        "Langganan tidak valid: {rule} perlu wilayah yang ringkasannya dikirim.",
        "Invalid subscription: {rule} needs the regions whose brief to send",
    ),
    "error.sub.brief_level": (
        "Langganan tidak valid: {rule}: {code} bukan provinsi atau kabupaten/kota.",
        "Invalid subscription: {rule}: {code} is not a province or kabupaten/kota",
    ),
    "error.alert_not_open": (
        "Peringatan {alert_id} berstatus {status}, tidak terbuka.",
        "Alert {alert_id} is {status}, not open.",
    ),
    "error.alert_resolved": (
        "Peringatan {alert_id} sudah selesai.",
        "Alert {alert_id} is already resolved.",
    ),
    "error.alert_action": ("Tindakan tidak dikenal: {action}.", "Unknown action {action}."),
    # API statement timeout (api3)
    "error.too_slow": (
        "Permintaan ini terlalu lama di basis data; coba lagi nanti atau persempit filternya.",
        "This request took too long in the database; try again later or narrow the filters.",
    ),
}
