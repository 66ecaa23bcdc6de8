"""Canonical URLs and content hashes: the two keys that make ingest idempotent."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track the click, never select the content. Removing them
# makes the same article shared from WhatsApp, Facebook and a newsletter one URL.
_TRACKING_EXACT = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "igsh",
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "ref",
        "ref_src",
        "ref_url",
        "src",
        "spm",
        "share",
        "si",
        "s",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "cmpid",
        "xtor",
        "amp",
        "output",
        "page_from",
        "tracking",
        "rss",
    }
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "__cf", "hsa_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SPACE = re.compile(r"\s+")


def _is_tracking(key: str) -> bool:
    k = key.lower()
    return k in _TRACKING_EXACT or k.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str | None) -> str | None:
    """Return the URL with scheme/host lowercased, default port, fragment and trackers removed."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)
    ]
    query.sort()
    path = parts.path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    # Why https: many Indonesian sites serve both schemes; the article is the same.
    return urlunsplit(("https", host, path, urlencode(query), ""))


def normalize_text(text: str) -> str:
    """Return text in the form exact-duplicate detection compares (NFKC, casefolded, one space)."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


def content_hash(text: str) -> str:
    """Return the SHA-256 of the normalised text (hex)."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


def derived_id(*parts: str | None) -> str:
    """Return a stable id for items that carry none (hash of what identifies them)."""
    joined = "\x1f".join(p or "" for p in parts)
    return "h:" + hashlib.sha256(joined.encode("utf-8")).hexdigest()[:40]
