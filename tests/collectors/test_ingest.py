"""Ingest on both databases: once per (platform, id), canonical URLs, exact copies, languages."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.posts import service
from monitor.posts.canonical import canonical_url, content_hash
from monitor.posts.language import detect_language
from monitor.posts.models import Post
from monitor.posts.schemas import PostIn


def _post(external_id: str, text: str, **extra: object) -> PostIn:
    return PostIn(
        platform=str(extra.pop("platform", "rss")), external_id=external_id, text=text, **extra
    )


def test_refetch_updates_never_duplicates(db: Session) -> None:
    first = service.ingest(db, [_post("a", "Kampanye akbar digelar di lapangan kota hari ini")])
    assert first.report.new == 1
    again = service.ingest(db, [_post("a", "Kampanye akbar digelar di lapangan kota hari ini")])
    assert again.report.new == 0 and again.report.unchanged == 1
    edited = service.ingest(db, [_post("a", "Kampanye akbar DIBATALKAN karena hujan deras")])
    assert edited.report.updated == 1
    rows = db.scalars(select(Post).where(Post.external_id == "a")).all()
    assert len(rows) == 1 and "DIBATALKAN" in rows[0].text
    assert rows[0].content_hash == content_hash("Kampanye akbar DIBATALKAN karena hujan deras")


def test_same_key_twice_in_one_batch_keeps_the_later(db: Session) -> None:
    out = service.ingest(db, [_post("k", "versi pertama dari berita"), _post("k", "versi kedua")])
    assert out.report.new == 1
    assert db.scalar(select(Post.text).where(Post.external_id == "k")) == "versi kedua"


def test_exact_copies_across_sources_are_linked(db: Session) -> None:
    text = "Beredar pesan berantai bahwa surat suara sudah dicoblos sebelum hari H"
    service.ingest(db, [_post("tg-1", text, platform="telegram")])
    out = service.ingest(
        db,
        [
            _post("m-1", "  " + text.upper() + "  ", platform="mastodon"),
            _post("m-2", text, platform="mastodon"),
        ],
    )
    assert out.report.new == 2 and out.report.duplicates == 2
    original = db.scalar(select(Post.id).where(Post.external_id == "tg-1"))
    copies = db.scalars(select(Post.duplicate_of_id).where(Post.platform == "mastodon")).all()
    assert copies == [original, original]
    # Copies inside one batch point at the first of them.
    out = service.ingest(
        db, [_post("x-1", "teks baru yang sama"), _post("x-2", "teks baru yang sama")]
    )
    first = db.scalar(select(Post.id).where(Post.external_id == "x-1"))
    assert db.scalar(select(Post.duplicate_of_id).where(Post.external_id == "x-2")) == first


def test_canonical_url_strips_tracking() -> None:
    assert (
        canonical_url(
            "HTTP://www.Berita.example:80/politik/artikel/?utm_source=wa&fbclid=X&id=7&b=2#komentar"
        )
        == "https://berita.example/politik/artikel?b=2&id=7"
    )
    assert canonical_url("javascript:alert(1)") is None
    assert canonical_url("https://[::1") is None


def test_canonical_url_is_stored(db: Session) -> None:
    service.ingest(db, [_post("u", "isi berita", url="https://berita.example/a?utm_medium=x")])
    assert db.scalar(select(Post.canonical_url).where(Post.external_id == "u")) == (
        "https://berita.example/a"
    )


def test_language_marks_and_source_default(db: Session) -> None:
    out = service.ingest(
        db,
        [
            _post("id", "Warga mengeluhkan antrean panjang di TPS karena petugas datang terlambat"),
            _post("en", "The commission said that the final count will be announced next week"),
            _post("jv", "Aku ora ngerti karo omongane wong iku, wis ora usah dipikir"),
            _post("short", "Prabowo curang!!"),
        ],
        default_language="id",
    )
    assert out.report.new == 4
    langs = {row[0]: row[1] for row in db.execute(select(Post.external_id, Post.language))}
    assert langs["id"] == "id" and langs["en"] == "en" and langs["jv"] in ("jv", "id")
    assert langs["short"] == "id"  # undetermined short text takes the source's language
    assert detect_language("Prabowo curang!!").code == "und"
    assert detect_language("选举委员会宣布最终结果将于下周公布").code == "zh"


def test_validation_rejects_hostile_records_and_keeps_the_rest(db: Session) -> None:
    good, bad = service.validate(
        [
            {"platform": "x", "external_id": "1", "text": "teks\x00 dengan NUL\x07 dibersihkan"},
            {"platform": "x", "external_id": "2", "text": ""},
            {"platform": "Bad Platform!", "external_id": "3", "text": "t"},
            {"platform": "x", "external_id": "4", "text": "t", "published_at": "2024-01-01T10:00"},
            {"platform": "x", "external_id": "5", "text": "t", "url": "javascript:alert(1)"},
            {"platform": "x", "external_id": "6", "text": "x" * 100_001},
            "not an object",  # type: ignore[list-item]
            {"platform": "x", "text": "tanpa id, tanpa url"},
            {
                "platform": "x",
                "external_id": 7,
                "text": "angka jadi teks",
                "published_at": "2024-01-01T10:00:00+07:00",
            },
        ]
    )
    assert good[0].external_id == "1" and good[0].text == "teks dengan NUL dibersihkan"
    assert good[1].external_id and good[1].external_id.startswith("h:")
    assert good[2].external_id == "7"
    assert good[2].published_at == datetime(2024, 1, 1, 3, tzinfo=UTC)
    reasons = {r.index: " ".join(r.errors) for r in bad}
    assert set(reasons) == {1, 2, 3, 4, 5, 6}
    assert "text is empty" in reasons[1] and "lowercase" in reasons[2]
    assert "timezone" in reasons[3] and "http(s)" in reasons[4]
    assert "100000" in reasons[5] and "object" in reasons[6]
    out = service.ingest(db, good)
    assert out.report.new == 3
    assert db.scalar(select(func.count()).select_from(Post).where(Post.platform == "x")) == 3


def test_title_only_item_uses_title_as_text() -> None:
    item = PostIn(platform="rss", external_id="t", title="Judul saja tanpa isi")
    assert item.text == "Judul saja tanpa isi"
