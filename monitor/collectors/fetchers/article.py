"""Main-text extraction for news articles: the block of paragraphs that carries the story."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode

_BOILERPLATE = (
    "script, style, noscript, template, iframe, nav, header, footer, aside, form, "
    "figure figcaption, .related, .baca-juga, .ads, .advertisement, .share, .social"
)
# Why 80: shorter "paragraphs" on Indonesian news pages are captions, bylines, "Baca juga" links.
_MIN_PARAGRAPH = 80


def extract_main_text(html: str) -> str:
    """Return the article's paragraphs joined by blank lines ("" when none is found)."""
    tree = HTMLParser(html)
    for node in tree.css(_BOILERPLATE):
        node.decompose()
    best: LexborNode | None = None
    best_len = 0
    candidates = tree.css("article, [itemprop=articleBody], .post-content, .entry-content")
    scored: dict[int, tuple[LexborNode, int]] = {}
    for p in tree.css("p"):
        parent = p.parent
        if parent is None:
            continue
        length = len(p.text(strip=True))
        node, total = scored.get(parent.mem_id, (parent, 0))
        scored[parent.mem_id] = (node, total + length)
    for node, total in scored.values():
        if total > best_len:
            best, best_len = node, total
    for node in candidates:
        length = sum(len(p.text(strip=True)) for p in node.css("p"))
        if length >= best_len * 0.8 and length > 0:
            best, best_len = node, length
            break
    if best is None:
        return ""
    paragraphs = [p.text(separator=" ", strip=True) for p in best.css("p")]
    kept = [p for p in paragraphs if len(p) >= _MIN_PARAGRAPH] or [p for p in paragraphs if p]
    return "\n\n".join(kept)
