"""Render a brief as a printable HTML page and as PDF (WeasyPrint)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from monitor.core.errors import Unavailable
from monitor.core.i18n import translate
from monitor.desk.brief.charts import bars
from monitor.desk.brief.content import Brief, totals

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
)
LEVELS = {"province": "Provinsi", "regency": "Kabupaten", "city": "Kota"}


def html(brief: Brief) -> str:
    """Return the brief as one self-contained HTML document (inline CSS and SVG)."""
    charts = {
        row["label"]: Markup(  # noqa: S704 - built by charts.bars from numbers and escaped text
            bars(brief.days, brief.daily.get(row["label"], {}), row["label"], row["name"])
        )
        for row in brief.confirmed
    }
    return _ENV.get_template("brief.html").render(
        b=brief,
        level=LEVELS.get(brief.level, brief.level),
        charts=charts,
        totals=totals(brief),
        split=translate("id", "figures.split").format(**brief.label_source),
    )


def pdf(document: str) -> bytes:
    """Render HTML to PDF bytes with WeasyPrint (no network: the document is self-contained)."""
    # Imported here: WeasyPrint loads pango/cairo and fonts, which only brief rendering needs.
    try:
        from weasyprint import HTML
    except (ImportError, OSError):  # OSError: the pango system library is missing
        raise Unavailable("error.pdf_renderer") from None

    def no_fetch(url: str, *args: object, **kwargs: object) -> dict[str, object]:
        # Why: a brief must never reach out (SSRF, offline installs); links stay links.
        raise ValueError(f"the brief loads no external resources ({url[:60]})")

    out = HTML(string=document, url_fetcher=no_fetch).write_pdf()
    assert out is not None
    return bytes(out)
