"""RSS 2.0 and Atom feeds, with conditional GET and optional full-article text."""

from __future__ import annotations

import calendar
import json
import logging
from datetime import UTC, datetime
from typing import Any, ClassVar

import feedparser

from monitor.posts.canonical import derived_id
from monitor.posts.schemas import PostIn
from monitor.sources.fetchers.article import extract_main_text
from monitor.sources.fetchers.base import FetchState, HttpFetcher, SourceConfig, html_to_text
from monitor.sources.http import FetchError

log = logging.getLogger(__name__)

# Entries whose article was already fetched; capped so the cursor stays small.
_SEEN_CAP = 2000


def _when(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, ValueError, TypeError):
                continue
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
        seen: list[str] = json.loads(state.cursor).get("seen", []) if state.cursor else []
        seen_set = set(seen)
        items: list[PostIn] = []
        for entry in parsed.entries:
            item = self._item(entry, platform, source)
            if item is None:
                continue
            if full_text and item.url and item.external_id not in seen_set:
                item = self._with_article(item)
                seen.append(item.external_id or "")
                seen_set.add(item.external_id or "")
            items.append(item)
        new_state = state.with_(
            etag=resp.headers.get("etag") or resp.headers.get("ETag"),
            last_modified=resp.headers.get("last-modified") or resp.headers.get("Last-Modified"),
            cursor=json.dumps({"seen": seen[-_SEEN_CAP:]}) if full_text else state.cursor,
        )
        return items, new_state

    def _item(self, entry: Any, platform: str, source: SourceConfig) -> PostIn | None:
        title = html_to_text(entry.get("title", "") or "")
        summary = entry.get("summary", "") or ""
        if entry.get("content"):
            summary = max((c.get("value", "") for c in entry.content), key=len) or summary
        text = html_to_text(summary)
        link = entry.get("link") or None
        # Feeds without guids are common; the link, else the content, identifies the entry.
        external_id = entry.get("id") or link or derived_id(source.url, title, text)
        if not (title or text):
            log.info("feed entry without title or text skipped", extra={"source": source.name})
            return None
        try:
            return PostIn(
                platform=platform,
                external_id=str(external_id)[:500],
                url=link if link and link.startswith(("http://", "https://")) else None,
                author=entry.get("author") or None,
                title=title or None,
                text=text or title,
                published_at=_when(entry),
                raw={"feed": source.name, "tags": [t.get("term") for t in entry.get("tags", [])]},
            )
        except ValueError as exc:
            log.warning("feed entry rejected", extra={"source": source.name, "error": str(exc)})
            return None

    def _with_article(self, item: PostIn) -> PostIn:
        assert item.url is not None
        try:
            resp = self.client.get(item.url, robots=True)
        except FetchError as exc:
            # The summary is still worth storing; the article is retried on no later run.
            log.info("article fetch failed", extra={"url": item.url, "error": exc.reason})
            return item
        body = extract_main_text(resp.text())
        if len(body) > len(item.text):
            return item.model_copy(update={"text": body[:100_000]})
        return item
