"""The one translation table: every string a person reads, Indonesian first, English second."""

from __future__ import annotations

from collections.abc import Callable

from monitor.core.i18n_errors import ERROR_STRINGS
from monitor.core.i18n_rules import RULE_STRINGS

LANGS: tuple[str, ...] = ("id", "en")
DEFAULT_LANG = "id"

# One entry per string: (Indonesian, English). Keys are stable; templates use them.
_STRINGS: dict[str, tuple[str, str]] = {
    "app.title": ("Waspada — Tinjauan", "Waspada — Review"),
    "nav.queue": ("Antrean", "Queue"),
    "nav.liaison": ("Wilayah", "Regions"),
    "nav.map": ("Peta provinsi", "Province map"),
    "nav.logout": ("Keluar", "Log out"),
    "nav.help": ("Pintasan (?)", "Shortcuts (?)"),
    "nav.lang": ("English", "Bahasa Indonesia"),
    "login.title": ("Masuk", "Log in"),
    "login.key": ("Kunci API", "API key"),
    "login.submit": ("Masuk", "Log in"),
    "login.hint": (
        "Masukkan kunci API Anda. Kunci tidak disimpan di peramban.",
        "Enter your API key. The key is not stored in the browser.",
    ),
    "login.invalid": (
        "Kunci tidak dikenal, dicabut, atau kedaluwarsa.",
        "Unknown, revoked or expired key.",
    ),
    "login.expired_form": (
        "Formulir kedaluwarsa; silakan coba lagi.",
        "The form expired; please try again.",
    ),
    "login.logged_out": ("Anda telah keluar.", "You have logged out."),
    "login.session_ended": (
        "Sesi berakhir; silakan masuk lagi.",
        "Your session ended; please log in again.",
    ),
    "who.role": ("Peran", "Role"),
    "who.regions": ("Wilayah", "Regions"),
    "who.all_regions": ("semua wilayah", "all regions"),
    "filter.label": ("Label", "Label"),
    "filter.status": ("Status", "Status"),
    "filter.region": ("Wilayah (kode/nama)", "Region (code/name)"),
    "filter.q": ("Cari teks", "Search text"),
    "filter.any": ("Semua", "Any"),
    "filter.apply": ("Terapkan", "Apply"),
    "filter.reset": ("Atur ulang", "Reset"),
    "filter.mix": (
        "Selipkan item yang model ragukan (u)",
        "Mix in items the model is unsure about (u)",
    ),
    "why.uncertain": ("ragu: dekat ambang", "uncertain: near threshold"),
    "why.disagree": ("ragu: versi model berbeda", "uncertain: model versions disagree"),
    "help.mix": ("selipkan/lepas item yang diragukan", "mix in / leave out uncertain items"),
    "queue.title": ("Antrean tinjauan", "Review queue"),
    "queue.empty": ("Tidak ada item yang cocok.", "No matching items."),
    "queue.more": ("Berikutnya →", "Next →"),
    "queue.count": ("item di halaman ini", "items on this page"),
    "queue.select": (
        "Pilih item (j/k) untuk melihat detailnya.",
        "Select an item (j/k) to see its details.",
    ),
    "item.text": ("Teks", "Text"),
    "item.source": ("Buka sumber", "Open source"),
    "item.explanation": ("Mengapa ditandai", "Why it was flagged"),
    "item.terms": ("Kata/frasa pemicu", "Words/phrases that fired"),
    "item.rules": ("Aturan", "Rules"),
    "item.debunk": ("Bantahan yang cocok", "Matched debunk"),
    "item.no_debunk": ("Tidak ada bantahan yang cocok.", "No matched debunk."),
    "item.cluster": ("Salinan lain (klaster)", "Other copies (cluster)"),
    "item.no_cluster": ("Tidak ada salinan lain.", "No other copies."),
    "item.regions": ("Wilayah", "Regions"),
    "item.no_regions": ("Wilayah tidak diketahui.", "Region unknown."),
    "item.history": ("Riwayat tinjauan", "Review history"),
    "item.no_history": ("Belum ditinjau.", "Not reviewed yet."),
    "item.model": ("Versi model", "Model version"),
    "item.score": ("Skor", "Score"),
    "item.published": ("Terbit", "Published"),
    "item.fetched": ("Diambil", "Fetched"),
    "item.platform": ("Platform", "Platform"),
    "item.claimed_by": ("Diklaim oleh", "Claimed by"),
    "item.growth": ("salinan/jam", "copies/hour"),
    "item.size": ("salinan", "copies"),
    "act.claim": ("Klaim (c)", "Claim (c)"),
    "act.confirm": ("Konfirmasi (y)", "Confirm (y)"),
    "act.dismiss": ("Tolak (n)", "Dismiss (n)"),
    "act.escalate": ("Eskalasi (e)", "Escalate (e)"),
    "act.labels": ("Label yang benar", "Correct labels"),
    "act.reason": ("Alasan", "Reason"),
    "act.note": ("Catatan", "Note"),
    "act.target": ("Tujuan", "Target"),
    "act.cluster": ("Terapkan ke seluruh klaster", "Apply to the whole cluster"),
    "act.submit": ("Kirim", "Submit"),
    "act.cancel": ("Batal", "Cancel"),
    "act.readonly": (
        "Peran Anda hanya dapat membaca.",
        "Your role is read-only.",
    ),
    "act.done": ("Tersimpan", "Saved"),
    "act.claimed": ("Diklaim", "Claimed"),
    "act.failed": ("Gagal", "Failed"),
    "reason.not_election": ("Bukan tentang pemilu", "Not about the election"),
    "reason.satire": ("Satire/parodi", "Satire/parody"),
    "reason.news_report": ("Liputan berita yang sah", "Legitimate news report"),
    "reason.wrong_label": ("Label salah", "Wrong label"),
    "reason.other": ("Lainnya", "Other"),
    "target.bawaslu": ("Bawaslu", "Bawaslu"),
    "target.platform": ("Permintaan takedown platform", "Platform takedown request"),
    "label.hoax": ("Hoaks", "Hoax"),
    "label.black_campaign": ("Kampanye hitam", "Black campaign"),
    "label.money_politics": ("Politik uang", "Money politics"),
    "label.identity_politics": ("Politik identitas (SARA)", "Identity politics (SARA)"),
    "status.new": ("Baru", "New"),
    "status.claimed": ("Diklaim", "Claimed"),
    "status.confirmed": ("Dikonfirmasi", "Confirmed"),
    "status.dismissed": ("Ditolak", "Dismissed"),
    "status.escalated": ("Dieskalasi", "Escalated"),
    "liaison.title": ("Ringkasan wilayah", "Region overview"),
    "liaison.counts": ("Jumlah per wilayah", "Counts per region"),
    "liaison.region": ("Wilayah", "Region"),
    "liaison.flagged": ("Ditandai", "Flagged"),
    "liaison.total": ("Total", "Total"),
    "liaison.trend": ("Tren harian (item ditandai)", "Daily trend (flagged items)"),
    "liaison.days": ("hari terakhir", "last days"),
    "liaison.no_data": ("Belum ada data untuk wilayah Anda.", "No data for your regions yet."),
    "liaison.map": ("Peta provinsi", "Province map"),
    "liaison.ranking": ("Peringkat kerawanan", "Vulnerability ranking"),
    "liaison.rank": ("#", "#"),
    "liaison.volume": ("Terkumpul", "Collected"),
    "liaison.score": ("Skor", "Score"),
    "liaison.confirmed": ("Dikonfirmasi", "Confirmed"),
    "liaison.per_label": ("Per label", "Per label"),
    "liaison.children": ("Wilayah di bawahnya", "Regions below"),
    "liaison.open_queue": ("Buka antrean wilayah ini", "Open this region's queue"),
    "series.flagged": ("Ditandai", "Flagged"),
    "series.confirmed": ("Dikonfirmasi", "Confirmed"),
    "series.escalated": ("Dieskalasi", "Escalated"),
    "series.dismissed": ("Ditolak", "Dismissed"),
    "help.title": ("Pintasan papan ketik", "Keyboard shortcuts"),
    "help.next": ("item berikutnya", "next item"),
    "help.prev": ("item sebelumnya", "previous item"),
    "help.claim": ("klaim item", "claim item"),
    "help.confirm": ("konfirmasi", "confirm"),
    "help.dismiss": ("tolak (positif palsu)", "dismiss (false positive)"),
    "help.escalate": ("eskalasi ke Bawaslu/platform", "escalate to Bawaslu/platform"),
    "help.open": ("buka sumber di tab baru", "open source in a new tab"),
    "help.search": ("cari", "search"),
    "help.help": ("tampilkan/sembunyikan bantuan", "show/hide this help"),
    # --- desk: reasons, narratives, priority parts, local time --------------------------
    "reason.summary.hoax.debunk": (
        "cocok dengan bantahan {publisher}",
        "matches a {publisher} debunk",
    ),
    "reason.summary.hoax": ("ciri hoaks pemilu", "election hoax traits"),
    "reason.summary.money_politics": ("menawarkan uang untuk suara", "offers money for votes"),
    "reason.summary.black_campaign": (
        "menyerang calon dengan fitnah atau hinaan",
        "attacks a candidate with slander or insults",
    ),
    "reason.summary.identity_politics": (
        "memakai agama/suku untuk memilih atau menyerang",
        "uses religion or ethnicity to sway votes or attack",
    ),
    "reason.floor": (
        "Skor {score} adalah skor minimum yang ditetapkan aturan: {rule}",
        "Score {score} is the minimum set by the rule: {rule}",
    ),
    "reason.model": ("skor model {score}", "model score {score}"),
    "reason.phrases": ("Frasa pemicu", "Phrases that drove the score"),
    "reason.rules": ("Aturan yang cocok", "Rules that matched"),
    "debunk.publisher": ("Penerbit", "Publisher"),
    "debunk.verdict": ("Putusan", "Verdict"),
    "narrative.copies": ("salinan", "copies"),
    "narrative.sources": ("sumber", "sources"),
    "narrative.growth": ("salinan/jam", "copies/hour"),
    "narrative.first_seen": ("pertama", "first"),
    "narrative.last_seen": ("terakhir", "last"),
    "narrative.expand": ("Lihat salinan", "Show copies"),
    "narrative.whole": (
        "Terapkan ke seluruh salinan klaster yang belum diputus",
        "Apply to every undecided copy in the cluster",
    ),
    "prio.title": ("Prioritas {total}", "Priority {total}"),
    "prio.score": ("skor {v}", "score {v}"),
    "prio.growth": ("pertumbuhan {v}", "growth {v}"),
    "prio.size": ("jumlah salinan {v}", "copies {v}"),
    "prio.reach": ("jangkauan sumber/wilayah {v}", "reach of sources/regions {v}"),
    "prio.region": ("risiko wilayah (IKP) {v}", "region risk (IKP) {v}"),
    "prio.recency": ("kebaruan {v}", "recency {v}"),
    "prio.recent": (
        "kebaruan: salinan terakhir dalam 6 jam, pertumbuhan dihitung",
        "recency: last copy within 6 hours, growth counts",
    ),
    "prio.stale": (
        "kebaruan: tidak ada salinan baru dalam 6 jam, pertumbuhan tidak dihitung",
        "recency: no new copy for 6 hours, growth not counted",
    ),
    "prio.why": (
        "Skor lebih rendah bisa di atas skor lebih tinggi karena klaster yang menyebar cepat "
        "menambah prioritas.",
        "A lower score can rank above a higher one because a fast-spreading cluster adds "
        "to the priority.",
    ),
    "time.zone": ("Zona waktu", "Time zone"),
    "time.auto": ("otomatis (wilayah item)", "automatic (item's region)"),
    "help.close": ("Tutup (Esc)", "Close (Esc)"),
    "error.title": ("Terjadi kesalahan", "Something went wrong"),
    "error.not_found": ("Item tidak ditemukan.", "Item not found."),
    "error.forbidden": ("Tidak diizinkan.", "Not allowed."),
    "error.csrf": (
        "Token keamanan formulir tidak valid; muat ulang halaman.",
        "Invalid form security token; reload the page.",
    ),
    "error.bad_input": ("Masukan tidak valid", "Invalid input"),
    "error.back": ("Kembali ke antrean", "Back to the queue"),
    # figures: alert texts, reviewer/model split, the weekly early-warning brief
    "label.unlabelled": ("Tanpa label", "Unlabelled"),
    "rule.volume_spike": ("Lonjakan volume", "Volume spike"),
    "rule.reviewed_item": ("Item diputuskan peninjau", "Item decided by reviewers"),
    "rule.cluster_spread": ("Narasi menyebar", "Spreading narrative"),
    "rule.score_drift": ("Pergeseran skor model", "Model score drift"),
    "figures.split": (
        "{reviewer} dikonfirmasi peninjau, {model} dari model",
        "{reviewer} confirmed by reviewers, {model} from the model",
    ),
    "figures.all_regions": ("semua wilayah", "all regions"),
    "alert.spike": (
        "{count} item {label} di {region} dalam {minutes} menit sejak {start} "
        "({split}); biasanya {expected}",
        "{count} {label} items in {region} within {minutes} minutes from {start} "
        "({split}); usually {expected}",
    ),
    "alert.reviewed": (
        "{count} item {label} dikonfirmasi atau dieskalasi peninjau di {region}",
        "{count} {label} item(s) confirmed or escalated by reviewers in {region}",
    ),
    "alert.spread": (
        "Narasi (klaster {cluster}) menyebar di {region}: {rate} salinan/jam, "
        "{regions} wilayah, {size} salinan",
        "Narrative (cluster {cluster}) spreading in {region}: {rate} copies/hour, "
        "{regions} regions, {size} copies",
    ),
    "brief.title": ("Laporan deteksi dini 7 hari", "7-day early-warning brief"),
    "brief.pdf": ("Unduh PDF", "Download PDF"),
    "brief.html": ("Buka versi cetak (HTML)", "Open printable version (HTML)"),
    # desk2: the weekly brief by e-mail
    "brief.email_subject": (
        "[Waspada] Laporan deteksi dini · {region} · {period}",
        "[Waspada] Early-warning brief · {region} · {period}",
    ),
    "brief.email_text": (
        "Laporan deteksi dini mingguan untuk {region}, periode {period}, terlampir (PDF).\n"
        "Langganan: {subscription}. Berhenti: waspada alerts unsubscribe {id}.",
        "The weekly early-warning brief for {region}, period {period}, is attached (PDF).\n"
        "Subscription: {subscription}. To stop: waspada alerts unsubscribe {id}.",
    ),
    "alertstatus.open": ("Terbuka", "Open"),
    "alertstatus.acknowledged": ("Diterima", "Acknowledged"),
    "alertstatus.resolved": ("Selesai", "Resolved"),
    "alert.subject": ("[Waspada] {rule} di {region}", "[Waspada] {rule} in {region}"),
    # ops: command-line lines for operators
    "cli.db_locked": (
        "Basis data SQLite sedang dipakai proses waspada lain dan tidak lepas dalam "
        "{seconds} detik; coba lagi, atau pakai PostgreSQL untuk banyak proses.",
        "The SQLite database is held by another waspada process and was not released within "
        "{seconds} seconds; try again, or use PostgreSQL for several processes.",
    ),
    # --- Map page (api/regions/pages.py; merged from its own table) ---
    "map.title": ("Peta kerawanan provinsi", "Province vulnerability map"),
    "map.days": ("hari", "days"),
    "map.score": ("skor", "score"),
    "map.flagged_of": ("ditandai dari", "flagged of"),
    "map.posts": ("unggahan", "posts"),
    "map.alerts": ("peringatan terbuka", "open alert(s)"),
    "map.outside": ("di luar wilayah Anda", "outside your regions"),
    "map.caption": (
        "Skor: temuan terkonfirmasi per 1.000 unggahan (dibobot IKP bila diimpor).",
        "Score: confirmed flags per 1,000 collected posts (IKP-weighted where imported).",
    ),
    "map.legend": (
        "rendah → tinggi; abu-abu: tanpa data atau di luar wilayah Anda; "
        "bingkai hitam dan \u201c!\u201d: ada peringatan terbuka.",
        "low → high; grey: no data or outside your regions; "
        "black border and \u201c!\u201d: open alerts.",
    ),
    "map.rank": ("#", "#"),
    "map.code": ("Kode", "Code"),
    "map.province": ("Provinsi", "Province"),
    "map.col_score": ("Skor", "Score"),
    "map.col_flagged": ("Ditandai", "Flagged"),
    "map.col_alerts": ("Peringatan", "Alerts"),
    "map.col_volume": ("Volume", "Volume"),
    "map.empty": ("Belum ada temuan pada periode ini.", "No findings in this period yet."),
    "map.open_alerts": ("Peringatan yang belum selesai", "Unresolved alerts"),
    "map.no_alerts": ("Tidak ada peringatan terbuka.", "No open alerts."),
    "map.col_time": ("Jendela", "Window"),
    "map.col_rule": ("Aturan", "Rule"),
    "map.col_region": ("Wilayah", "Region"),
    "map.col_label": ("Label", "Label"),
    "map.col_summary": ("Ringkasan", "Summary"),
    "map.col_status": ("Status", "Status"),
    "map.period": ("Periode", "Period"),
    # --- Display names of alert kinds and the "no label" bucket (edges) ---
    "alert.volume_spike": ("Lonjakan volume", "Volume spike"),
    "alert.reviewed_item": ("Item ditinjau", "Reviewed item"),
    "alert.cluster_spread": ("Penyebaran klaster", "Cluster spread"),
    "alert.score_drift": ("Pergeseran skor model", "Model score drift"),
    "alert_status.open": ("Terbuka", "Open"),
    "alert_status.acknowledged": ("Diketahui", "Acknowledged"),
    "alert_status.resolved": ("Selesai", "Resolved"),
}

# The classifier rules' descriptions (desk block, kept in their own module for size).
_STRINGS.update(RULE_STRINGS)
_STRINGS.update(ERROR_STRINGS)


def pick_lang(*candidates: str | None) -> str:
    """Return the first supported language among candidates, else Indonesian."""
    for c in candidates:
        if c in LANGS:
            return c
    return DEFAULT_LANG


def translate(lang: str, key: str) -> str:
    """Return the string for key in lang; the key itself if unknown (visible, not a crash)."""
    pair = _STRINGS.get(key)
    if pair is None:
        return key
    return pair[LANGS.index(lang) if lang in LANGS else 0]


def translator(lang: str) -> Callable[[str], str]:
    """Return a one-argument `t(key)` for templates."""
    return lambda key: translate(lang, key)


def keys() -> list[str]:
    """Return every string key (tests check both languages are filled)."""
    return list(_STRINGS)
