"""ClaimReview JSON-LD from fact-checker pages and partner JSON, including hostile input."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from monitor.cli.main import app
from monitor.factchecks import claimreview
from monitor.factchecks.importing import parse_any
from monitor.factchecks.models import FactCheck
from monitor.factchecks.schemas import MAX_TEXT

REVIEW = {
    "@context": "https://schema.org",
    "@type": "ClaimReview",
    "url": "https://cekfakta.tempo.co/fakta/2871/keliru-tinta-pemilu-mengandung-minyak-babi",
    "headline": "Keliru: Tinta Pemilu 2024 Mengandung Minyak Babi",
    "claimReviewed": "Tinta yang dipakai di TPS pada Pemilu 2024 mengandung minyak babi "
    "sehingga wudhu pemilih tidak sah.",
    "datePublished": "2024-02-13T10:15:00+07:00",
    "author": {"@type": "Organization", "name": "Tempo Cek Fakta"},
    "itemReviewed": {
        "@type": "Claim",
        "appearance": [
            {"@type": "CreativeWork", "url": "https://www.facebook.com/groups/1/posts/2"},
            "https://t.me/s/kanal_pemilu/881",
            "javascript:alert(1)",
        ],
    },
    "reviewRating": {
        "@type": "Rating",
        "ratingValue": "1",
        "bestRating": "5",
        "worstRating": "1",
        "alternateName": "Keliru",
    },
}

PAGE = """<!doctype html><html lang="id"><head>
<meta charset="utf-8"><title>Keliru: Tinta Pemilu 2024 Mengandung Minyak Babi - Cek Fakta</title>
<script type="application/ld+json">{"@context":"https://schema.org","@type":"Organization",
 "name":"Tempo","url":"https://www.tempo.co"}</script>
<script type="application/ld+json">{ this is not json </script>
<script type="application/ld+json; charset=utf-8">GRAPH</script>
<script>var ld = {"@type": "ClaimReview"};</script>
</head><body><h1>Keliru: Tinta Pemilu 2024 Mengandung Minyak Babi</h1>
<p>Beredar pesan berantai &amp; video yang mengklaim ...</p></body></html>
""".replace(
    "GRAPH",
    json.dumps({"@context": "https://schema.org", "@graph": [{"@type": "WebPage"}, REVIEW]}),
)


def test_a_fact_checker_page_yields_claim_verdict_date_and_links() -> None:
    found = claimreview.from_html(PAGE)
    assert len(found.records) == 1
    assert len(found.errors) == 1 and "invalid JSON" in found.errors[0]
    r = found.records[0]
    assert r.claim is not None and r.claim.startswith("Tinta yang dipakai di TPS")
    assert r.title == REVIEW["headline"] and r.verdict == "keliru"
    assert r.rating == "Keliru: 1 (worst 1, best 5)"
    assert r.publisher == "Tempo Cek Fakta" and r.url == REVIEW["url"]
    assert r.published_at is not None and r.published_at.isoformat() == "2024-02-13T03:15:00+00:00"
    assert r.appearances == (
        "https://www.facebook.com/groups/1/posts/2",
        "https://t.me/s/kanal_pemilu/881",
    )


def test_rating_without_alternate_name_falls_back_to_the_title_convention() -> None:
    review = dict(REVIEW, reviewRating={"@type": "Rating", "ratingValue": 2})
    review["headline"] = "[HOAKS] Server KPU Dipindahkan ke Singapura"
    record = claimreview.from_json(review).records[0]
    assert record.verdict == "hoaks" and record.rating == "2"


def test_a_bad_item_in_a_list_does_not_block_the_others() -> None:
    items = [
        REVIEW,
        {"@type": "ClaimReview"},  # neither claim nor headline
        "just a string",
        dict(REVIEW, url="https://cekfakta.example.id/2", datePublished="kemarin sore"),
        dict(REVIEW, url="https://cekfakta.example.id/3", claimReviewed="x" * 200_001),
        dict(
            REVIEW, url="https://cekfakta.example.id/4", headline="[SALAH] Lain", claimReviewed=None
        ),
    ]
    found = claimreview.from_json(items)
    urls = [r.url for r in found.records]
    assert urls == [REVIEW["url"], *(f"https://cekfakta.example.id/{i}" for i in (3, 4))]
    assert [e.split(":")[0] for e in found.errors] == ["item 2", "item 3", "item 4"]
    assert "published_at" in found.errors[2]
    # A huge claim is cut at the column limit, not allowed to blow up the row.
    assert len(found.records[1].claim or "") == MAX_TEXT


def test_deep_nesting_and_huge_blocks_are_refused_with_a_reason() -> None:
    deep: dict[str, object] = {"@type": "WebPage"}
    node = deep
    for _ in range(50):
        child: dict[str, object] = {"@type": "WebPage"}
        node["hasPart"] = child
        node = child
    node["hasPart"] = REVIEW
    found = claimreview.from_json(deep)
    assert not found.records and "nested deeper" in found.errors[0]
    page = '<script type="application/ld+json">' + "[" * 100_000 + "</script>"
    page += '<script type="application/ld+json">' + json.dumps(REVIEW) + "</script>"
    found = claimreview.from_html(page)
    assert len(found.records) == 1 and len(found.errors) == 1


def test_import_accepts_claim_review_json_and_stores_claim_rating_links(
    fresh_db_url: str, tmp_path: Path
) -> None:
    env = {"WASPADA_DATABASE_URL": fresh_db_url, "WASPADA_DATA_DIR": str(tmp_path / "data")}
    file = tmp_path / "partner.json"
    second = dict(REVIEW, url="https://cekfakta.example.id/99", headline="[HOAKS] Server KPU")
    file.write_text(json.dumps([REVIEW, {"@type": "Claim"}, second]), encoding="utf-8")
    res = CliRunner().invoke(app, ["factchecks", "import", str(file)], env=env)
    assert res.exit_code == 1 and "item 2" in res.stderr and "nothing imported" in res.stderr
    res = CliRunner().invoke(app, ["factchecks", "import", str(file), "--skip-invalid"], env=env)
    assert res.exit_code == 0, res.stderr
    assert "2 inserted" in res.stdout
    single = tmp_path / "one.json"
    single.write_text(json.dumps(REVIEW), encoding="utf-8")
    res = CliRunner().invoke(app, ["factchecks", "import", str(single)], env=env)
    assert res.exit_code == 0 and "1 unchanged" in res.stdout, res.stdout + res.stderr
    page = tmp_path / "page.html"
    page.write_text(PAGE, encoding="utf-8")
    res = CliRunner().invoke(app, ["factchecks", "import", str(page), "--skip-invalid"], env=env)
    assert res.exit_code == 0 and "1 unchanged" in res.stdout, res.stdout + res.stderr
    engine = create_engine(fresh_db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(FactCheck).order_by(FactCheck.id)).all()
    engine.dispose()
    assert len(rows) == 2
    assert rows[0].claim == REVIEW["claimReviewed"] and rows[0].verdict == "keliru"
    assert rows[0].rating.startswith("Keliru") and len(rows[0].appearances) == 2
    assert rows[1].verdict == "keliru"  # the rating's name wins over the title tag


def test_one_line_jsonl_is_still_jsonl() -> None:
    parsed = parse_any(b'{"id": "a1", "title": "[SALAH] Judul", "verdict": "SALAH"}\n')
    assert not parsed.errors and parsed.records[0][1].external_id == "a1"
    parsed = parse_any(b"[1, 2")
    assert parsed.errors and "invalid JSON" in str(parsed.errors[0])
