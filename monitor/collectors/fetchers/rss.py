"""RSS 2.0 and Atom feeds, with conditional GET and optional full-article text."""

from __future__ import annotations

import calendar
import json
import logging
from datetime import UTC, datetime
from typing import Any, ClassVar

import feedparser

from monitor.collectors.fetchers.article import extract_main_text
from monitor.collectors.fetchers.base import (
    FetchState,
    HttpFetcher,
    SourceConfig,
    absolute_url,
    first_error,
    html_to_text,
    parse_time,
    scoped_id,
)
from monitor.collectors.verdicts import CLAIM_REVIEW
from monitor.factchecks import claimreview
from monitor.posts.canonical import derived_id
from monitor.posts.schemas import PostIn, in_sane_range
from monitor.sources.http import FetchError

log = logging.getLogger(__name__)

# Entries whose article was already fetched; capped so the cursor stays small.
_SEEN_CAP = 2000


def _when(entry: Any) -> datetime | None:
    for key in ("published", "updated"):
        # dict.get: feedparser's own get maps a missing `updated` to `published` with a warning.
        value = dict.get(entry, f"{key}_parsed")
        if value:
            try:
                when = datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, TypeError):
                continue
            if in_sane_range(when):
                return when
        # feedparser reads English names only: `Seg, 24 Set 2018` or `Sen, 24 Agu 2026` fall here.
        elif dict.get(entry, key):
            local = parse_time(dict.get(entry, key))
            if local is not None:
                return local
    return None


class RssFetcher(HttpFetcher):
    """RSS/Atom through feedparser; `config.full_text = true` fetches each new article page."""

    kind: ClassVar[str] = "rss"

    def fetch(self, source: SourceConfig, state: FetchState) -> tuple[list[PostIn], FetchState]:
        """Fetch the feed (conditionally) and return its entries as posts."""
        headers: dict[str, str] = {}
        # RFC 9110 §13.1: send the validators the server gave us; 304 means nothing changed.
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        resp = self.client.get(source.url, headers=headers)
        if resp.status == 304:
            return [], state
        parsed = feedparser.parse(
            resp.content, response_headers={k.lower(): v for k, v in resp.headers.items()}
        )
        if not parsed.entries and parsed.get("bozo"):
            reason = parsed.get("bozo_exception")
            raise FetchError(f"not a feed: {type(reason).__name__}: {reason}")
        platform = str(source.config.get("platform", "news"))
        full_text = bool(source.config.get("full_text", False))
        seen: list[str] = _seen(state.cursor)
        seen_set = set(seen)
        site = str(parsed.feed.get("link") or "") if isinstance(parsed.feed, dict) else ""
        items: list[PostIn] = []
        for number, entry in enumerate(parsed.entries, 1):
            try:
                item = self._item(entry, platform, source, (site, source.url))
            except Exception as exc:
                # One odd entry must cost itself only, never the rest of the feed.
                self.drop(source, f"entry {number}", f"{type(exc).__name__}: {exc}")
                continue
            if item is None:
                continue
            # Cursors written before ids were scoped hold the bare guid: either means fetched.
            guid = str((item.raw or {}).get("guid") or "")
            if full_text and item.url and not {item.external_id, guid} & seen_set:
                item = self._with_article(item, source.is_factchecker)
                seen.append(item.external_id or "")
                seen_set.add(item.external_id or "")
            items.append(item)
        new_state = state.with_(
            etag=resp.headers.get("etag") or resp.headers.get("ETag"),
            last_modified=resp.headers.get("last-modified") or resp.headers.get("Last-Modified"),
            cursor=json.dumps({"seen": seen[-_SEEN_CAP:]}) if full_text else state.cursor,
        )
        return items, new_state

    def _item(
        self, entry: Any, platform: str, source: SourceConfig, bases: tuple[str, str]
    ) -> PostIn | None:
        title = html_to_text(entry.get("title", "") or "")
        summary = entry.get("summary", "") or ""
        if entry.get("content"):
            summary = max((c.get("value", "") for c in entry.content), key=len) or summary
        text = html_to_text(summary)
        link = absolute_url(entry.get("link"), *bases)
        if not (title or text):
            self.drop(source, str(entry.get("id") or link or "entry"), "no title or text")
            return None
        # Feeds without guids are common; the link, else the content, identifies the entry.
        # Guids are only unique within their feed (Tempo's feeds all number theirs 1..9),
        # so the source names its items.
        native = entry.get("id") or link or derived_id(source.url, title, text)
        try:
            return PostIn(
                platform=platform,
                external_id=scoped_id(source.name, native),
                url=link,
                author=html_to_text(str(entry.get("author") or "")) or None,
                title=title or None,
                text=text or title,
                published_at=_when(entry),
                raw={
                    "feed": source.name,
                    "guid": str(native)[:500],
                    "tags": [t.get("term") for t in entry.get("tags", []) if isinstance(t, dict)],
                },
            )
        except ValueError as exc:
            self.drop(source, str(native)[:100], first_error(exc))
            return None

    def _with_article(self, item: PostIn, factchecker: bool) -> PostIn:
        """Replace the summary with the article's main text when that is longer.

        On a fact-checker's page, also keep the schema.org ClaimReview it embeds: the claim
        text, verdict and appearances match posts far better than the headline.
        """
        assert item.url is not None
        try:
            resp = self.client.get(item.url, robots=True)
        except FetchError as exc:
            # The summary is still worth storing; the article is retried on no later run.
            log.info("article fetch failed", extra={"url": item.url, "error": exc.reason})
            return item
        html = resp.text()
        update: dict[str, Any] = {}
        if factchecker:
            reviews = claimreview.from_html(html, item.url)
            if reviews.records:
                first = reviews.records[0]
                update["raw"] = {
                    **(item.raw or {}),
                    CLAIM_REVIEW: {
                        "claim": first.claim,
                        "verdict": first.verdict,
                        "rating": first.rating,
                        "appearances": list(first.appearances),
                    },
                }
        body = extract_main_text(html)
        if len(body) > len(item.text):
            update["text"] = body[:100_000]
        return item.model_copy(update=update) if update else item


def _seen(cursor: str | None) -> list[str]:
    try:
        seen = json.loads(cursor).get("seen", []) if cursor else []
    except (ValueError, AttributeError):
        return []  # an unreadable cursor costs one re-fetch of each article, nothing more
    return [str(s) for s in seen] if isinstance(seen, list) else []
