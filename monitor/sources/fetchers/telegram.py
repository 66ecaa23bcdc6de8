"""Telegram public channels through the web preview (`https://t.me/s/<channel>`)."""

from __future__ import annotations

import logging
from typing import ClassVar

from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode

from monitor.posts.schemas import PostIn
from monitor.sources.fetchers.base import (
    FetchState,
    HttpFetcher,
    SourceConfig,
    html_to_text,
    int_or_none,
    parse_time,
)
from monitor.sources.http import FetchError

log = logging.getLogger(__name__)


class TelegramFetcher(HttpFetcher):
    """`url` is the preview base (https://t.me), `config.channel` the public channel name."""

    kind: ClassVar[str] = "telegram"

    def fetch(self, source: SourceConfig, state: FetchState) -> tuple[list[PostIn], FetchState]:
        """Read the newest page, then walk back with `before=` until the cursor is reached."""
        channel = str(source.config.get("channel") or "").lstrip("@")
        if not channel:
            raise FetchError("telegram source needs config.channel")
        page_url = f"{source.url.rstrip('/')}/s/{channel}"
        last = int_or_none(state.cursor) or 0
        max_pages = int(source.config.get("max_pages", 5))
        found: dict[int, PostIn] = {}
        before: int | None = None
        for _ in range(max_pages):
            params: dict[str, str | int] = {"before": before} if before else {}
            try:
                html = self.client.get(page_url, params=params, robots=True).text()
            except FetchError as exc:
                # Older pages failed: keep what is newer only if it connects to the cursor,
                # else the cursor would jump over the unread gap.
                raise FetchError(
                    exc.reason, status=exc.status, retry_after=exc.retry_after
                ) from None
            page = self._parse(html, channel, source)
            fresh = {mid: item for mid, item in page.items() if mid > last}
            found.update(fresh)
            if not page or min(page) <= last + 1 or not last:
                break  # reached what we already have (or first run: one page of history)
            before = min(page)
        else:
            if last:
                log.warning(
                    "telegram backlog longer than max_pages; older messages skipped",
                    extra={"source": source.name, "channel": channel},
                )
        cursor = str(max(found)) if found else state.cursor
        return [found[k] for k in sorted(found)], state.with_(cursor=cursor)

    def _parse(self, html: str, channel: str, source: SourceConfig) -> dict[int, PostIn]:
        tree = HTMLParser(html)
        messages: dict[int, PostIn] = {}
        for node in tree.css("div.tgme_widget_message[data-post]"):
            post_ref = node.attributes.get("data-post") or ""
            mid = int_or_none(post_ref.rsplit("/", 1)[-1])
            if mid is None:
                continue
            text_node = node.css_first(".tgme_widget_message_text")
            text = html_to_text(text_node.html or "") if text_node is not None else ""
            if not text:
                continue  # photos or stickers without a caption carry nothing to classify
            item = self._item(node, mid, channel, text, source)
            if item is not None:
                messages[mid] = item
        return messages

    def _item(
        self, node: LexborNode, mid: int, channel: str, text: str, source: SourceConfig
    ) -> PostIn | None:
        time_node = node.css_first(".tgme_widget_message_date time[datetime]") or node.css_first(
            "time[datetime]"
        )
        when = parse_time(time_node.attributes.get("datetime")) if time_node is not None else None
        author = node.css_first(".tgme_widget_message_owner_name")
        views = node.css_first(".tgme_widget_message_views")
        try:
            return PostIn(
                platform="telegram",
                external_id=f"{channel}/{mid}",
                url=f"https://t.me/{channel}/{mid}",
                author=author.text(strip=True) if author is not None else channel,
                text=text,
                published_at=when,
                raw={"channel": channel, "views": views.text(strip=True) if views else None},
            )
        except ValueError as exc:
            log.warning(
                "telegram message rejected", extra={"source": source.name, "error": str(exc)}
            )
            return None
