"""Reasons a reviewer can read: rule descriptions, highlighted phrases, summaries, floors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.web.highlight import driving_segments
from classifiers.text.rulebook import RULES
from classifiers.text.spans import ngram_spans, rule_spans
from monitor.core import localtime
from monitor.core.i18n import keys, translate
from monitor.desk.exports import CSV_COLUMNS, csv_row, item_record
from monitor.desk.reasons import label_reasons, rule_text
from monitor.posts.models import Post

MONEY_POST = (
    "Warga dapat amplop 100rb dari timses, serangan fajar jelang pencoblosan di TPS 5. "
    "Asal coblos nomor 3 dapat Rp 50.000 lon."
)


def test_every_rule_has_an_indonesian_and_english_description() -> None:
    known = set(keys())
    missing = [r.name for r in RULES if f"rule.{r.name}" not in known]
    assert not missing, missing
    for r in RULES:
        indonesian, english = translate("id", f"rule.{r.name}"), translate("en", f"rule.{r.name}")
        assert indonesian != english and r.name not in indonesian
    assert rule_text("id", "rule:mp_offer_for_vote") == "menawarkan uang/barang untuk suara"
    assert rule_text("id", "no_such_rule") == "aturan yang tidak dikenal"


def test_the_phrases_that_drove_the_score_are_marked_and_stopwords_never() -> None:
    explanation = {
        "rules": [{"rule": "mp_strong_offer", "label": "money_politics", "why": "x"}],
        "top_ngrams": [
            ["amplop nominaluang", 1.2],
            ["serangan fajar", 1.0],
            ["di", 0.4],
            ["dari", 0.3],
            ["lon", 0.2],
            ["rule:mp_offer_for_vote", 0.9],
        ],
    }
    marked = [s.text for s in driving_segments(MONEY_POST, [explanation]) if s.term]
    assert "amplop 100rb" in marked
    assert any("serangan fajar" in m for m in marked)
    assert not {"di", "dari", "lon"} & {m.lower() for m in marked}
    assert "".join(s.text for s in driving_segments(MONEY_POST, [explanation])) == MONEY_POST


@pytest.mark.parametrize(
    "hostile",
    ["", "\x00" * 10, "🙂" * 500, "a" * 200_000, "Rp" * 1000, "İstanbul ǅ ß " * 50],
)
def test_hostile_texts_never_break_highlighting(hostile: str) -> None:
    explanation = {"rules": [{"rule": "mp_euphemism"}], "top_ngrams": [["amplop", 1.0]]}
    segments = driving_segments(hostile, [explanation, None, {"rules": "x"}])
    assert "".join(s.text for s in segments) == hostile
    assert rule_spans(hostile[:5000], ["mp_euphemism", "nope"]) is not None
    assert ngram_spans(hostile[:5000], ["", "di", "a b c d e f g h"]) == []


def test_one_line_per_label_and_the_floor_explained() -> None:
    reasons = label_reasons(
        "id",
        [
            {
                "label": "hoax",
                "score": 0.95,
                "flagged": True,
                "explanation": {"factcheck": {"title": "x", "publisher": "Mafindo"}},
            },
            {
                "label": "money_politics",
                "score": 0.9,
                "flagged": True,
                "explanation": {"rules": [{"rule": "mp_offer_for_vote"}]},
            },
            {"label": "black_campaign", "score": 0.2, "flagged": False, "explanation": {}},
        ],
    )
    assert [r.summary for r in reasons] == [
        "cocok dengan bantahan Mafindo",
        "menawarkan uang untuk suara",
    ]
    assert reasons[0].floor_note is None
    assert reasons[1].floor_note == (
        "Skor 0.90 adalah skor minimum yang ditetapkan aturan: menawarkan uang/barang untuk suara"
    )


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("15", "WIB"),  # Jambi
        ("15.07", "WIB"),
        ("31.71", "WIB"),  # Jakarta
        ("61", "WIB"),  # Kalimantan Barat
        ("62.01", "WIB"),  # Kalimantan Tengah
        ("63", "WITA"),  # Kalimantan Selatan
        ("64.72", "WITA"),
        ("65", "WITA"),
        ("51", "WITA"),  # Bali
        ("52", "WITA"),
        ("53", "WITA"),
        ("73.71", "WITA"),  # Makassar
        ("76", "WITA"),
        ("81", "WIT"),  # Maluku
        ("82", "WIT"),
        ("91", "WIT"),  # Papua
        ("96", "WIT"),  # Papua Barat Daya
        ("", "WIB"),
        (None, "WIB"),
        ("x.y", "WIB"),
        ("999", "WIB"),
    ],
)
def test_each_province_has_its_zone(code: str | None, zone: str) -> None:
    assert localtime.zone_of(code) == zone


def test_local_time_texts_and_iso_offsets() -> None:
    at = datetime(2025, 11, 20, 8, 5, tzinfo=UTC)
    assert localtime.local_text(at, "WIB") == "2025-11-20 15:05 WIB"
    assert localtime.local_text(at, "WIT") == "2025-11-20 17:05 WIT"
    assert localtime.local_iso(at, "WITA") == "2025-11-20T16:05:00+08:00"
    assert localtime.utc_iso(at) == "2025-11-20T08:05:00+00:00"
    assert localtime.pick_zone("wita", ["15"]) == "WITA"
    assert localtime.pick_zone("UTC", ["91.01"]) == "WIT"
    with pytest.raises(ValueError, match="naive"):
        localtime.local_text(datetime(2025, 1, 1), "WIB")


def test_exports_carry_iso_offsets_and_a_local_column() -> None:
    at = datetime(2025, 11, 20, 8, 5, tzinfo=UTC)
    post = Post(id=1, platform="rss", text="x", fetched_at=at, published_at=at, labels=[])
    record = item_record(post, ["73.71"])
    assert record["published_at"] == "2025-11-20T08:05:00+00:00"
    assert record["timezone"] == "WITA" and record["published_local"] == "2025-11-20 16:05 WITA"
    row = dict(zip(CSV_COLUMNS, csv_row(post, []), strict=True))
    assert row["published_local"] == "2025-11-20 15:05 WIB"
