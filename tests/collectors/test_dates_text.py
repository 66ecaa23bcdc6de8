"""Dates in the feed's own language, clean text at the edge and relative links resolved."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pytest_httpserver import HTTPServer

from monitor.collectors.fetchers.base import FetchState, SourceConfig, html_to_text, parse_time
from monitor.collectors.fetchers.dates import parse_local_date
from monitor.collectors.fetchers.rss import RssFetcher
from monitor.sources.http import HttpClient


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Seg, 24 Set 2018 10:00:00 -0300", "2018-09-24T13:00:00"),  # Portuguese (UOL)
        ("Sen, 24 Agu 2026 10:00:00 +0700", "2026-08-24T03:00:00"),  # Indonesian
        ("Sel, 25 Agt 2026 10:00:00 +0700", "2026-08-25T03:00:00"),
        ("Rab, 14 Okt 2026 09:30:00 +0700", "2026-10-14T02:30:00"),
        ("Kam, 3 Mei 2026 07:00:00 +0700", "2026-05-03T00:00:00"),
        ("Jum, 12 Des 2025 08:15:00 +0700", "2025-12-12T01:15:00"),
        ("Sab, 7 Feb 2026 10:00:00 +0700", "2026-02-07T03:00:00"),
        ("Min, 8 Mar 2026 10:00:00 +0700", "2026-03-08T03:00:00"),
        ("Senin, 24 Agustus 2026 10:00 WIB", "2026-08-24T03:00:00"),
        ("Jumat, 3 Juli 2026 14:00 WITA", "2026-07-03T06:00:00"),
        ("Kamis, 1 Januari 2026 09:00 WIT", "2026-01-01T00:00:00"),
        ("Mo, 24 Aug 2026 10:00:00 +0200", "2026-08-24T08:00:00"),  # German (heise)
        ("Di, 3 Mär 2026 10:00:00 +0100", "2026-03-03T09:00:00"),
        ("Montag, 24. März 2026 10:00:00 +0100", "2026-03-24T09:00:00"),
        ("mar, 24 sep 2018 10:00:00 -0300", "2018-09-24T13:00:00"),  # Spanish: mar = Tuesday
        ("martes, 24 de septiembre de 2018 10:00:00 -0300", "2018-09-24T13:00:00"),
        ("lun., 24 sept. 2018 10:00:00 +0200", "2018-09-24T08:00:00"),  # French
        ("mer., 3 déc. 2025 10h30 +0100", "2025-12-03T09:30:00"),
        ("Sáb, 01 Fev 2025 00:00:00 GMT", "2025-02-01T00:00:00"),
        ("Tue, 24 Sep 2018 10:00:00 GMT", "2018-09-24T10:00:00"),
    ],
)
def test_local_day_and_month_names(text: str, expected: str) -> None:
    parsed = parse_local_date(text)
    assert parsed is not None and parsed.tzinfo is UTC
    assert parsed.replace(tzinfo=None).isoformat() == expected
    assert parse_time(text) == parsed  # the shared parser falls back to it


@pytest.mark.parametrize(
    "text",
    [
        "",
        "kemarin sore",
        "Sab, 32 Jan 2026 10:00:00 +0700",
        "24 Foo 2018 10:00:00",
        "Sen, 24 Agu 99999 10:00:00 +0700",
        "x" * 5000,
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-12:00",
        "3000-01-01T00:00:00Z",
    ],
)
def test_unusable_dates_are_none_never_an_error(text: str) -> None:
    assert parse_time(text) is None


def test_parse_time_bounds_epochs() -> None:
    assert parse_time(1e12) is None and parse_time(float("nan")) is None
    assert parse_time(True) is None
    assert parse_time(1764468000) == datetime(2025, 11, 30, 2, 0, tzinfo=UTC)


def test_html_to_text_decodes_once_and_tidies_space() -> None:
    assert html_to_text("Klaim &#8216;hoaks&#8217; &#8230; &#x0024;5") == "Klaim ‘hoaks’ … $5"
    assert html_to_text("&amp;#8216;dua kali&amp;#8217;") == "‘dua kali’"
    assert html_to_text("<p>A&amp;B</p>") == "A&B"
    assert html_to_text("\t\t  Baris\u00a0satu\u202f!\n\n\n\n      baris dua  ") == (
        "Baris satu !\n\nbaris dua"
    )
    assert html_to_text("<div>\n\t\t<p>\u00a0Isi&nbsp;&nbsp;berita</p>\n\t</div>") == "Isi berita"


UOL_LIKE = """<?xml version="1.0" encoding="ISO-8859-1"?>
<rss version="2.0"><channel><title>UOL Not&#237;cias</title><link>https://noticias.example.com.br/</link>
<item><title>Elei&#231;&#245;es: TSE divulga calend&#225;rio</title>
<link>/politica/2018/09/24/tse-calendario.htm</link>
<guid isPermaLink="false">1</guid>
<pubDate>Seg, 24 Set 2018 10:00:00 -0300</pubDate>
<description><![CDATA[<p>O Tribunal&nbsp;Superior Eleitoral divulgou&#8230;</p>]]>
</description></item>
<item><title>Sem data v&#225;lida</title><link>politica/sem-data.htm</link><guid>2</guid>
<pubDate>Seg, 99 Set 2018 10:00:00 -0300</pubDate><description>Texto.</description></item>
<item><title>Berita Indonesia</title><link>https://berita.example/a</link><guid>3</guid>
<pubDate>Sen, 24 Agu 2026 10:00:00 +0700</pubDate><description>Isi.</description></item>
</channel></rss>"""


def test_rss_local_dates_and_relative_links(
    httpserver: HTTPServer, http_client: HttpClient
) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        UOL_LIKE.encode("latin-1"), content_type="application/rss+xml; charset=ISO-8859-1"
    )
    src = SourceConfig("uol", "rss", httpserver.url_for("/feed"))
    items, _ = RssFetcher(http_client).fetch(src, FetchState())
    first, second, third = items
    assert first.title == "Eleições: TSE divulga calendário"
    assert first.text == "O Tribunal Superior Eleitoral divulgou…"
    assert first.published_at == datetime(2018, 9, 24, 13, 0, tzinfo=UTC)
    # Relative links resolve against the site the feed names, never dropped.
    assert first.url == "https://noticias.example.com.br/politica/2018/09/24/tse-calendario.htm"
    assert second.url == "https://noticias.example.com.br/politica/sem-data.htm"
    assert second.published_at is None  # a missing date stays missing, never invented
    assert third.published_at == datetime(2026, 8, 24, 3, 0, tzinfo=UTC)
