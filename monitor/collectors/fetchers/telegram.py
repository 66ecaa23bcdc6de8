"""Telegram public channels through the web preview (`https://t.me/s/<channel>`)."""

from __future__ import annotations

import logging
import re
from typing import ClassVar

from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode

from monitor.collectors.fetchers.base import (
    FetchState,
    HttpFetcher,
    SourceConfig,
    first_error,
    html_to_text,
    int_or_none,
    parse_time,
)
from monitor.posts.schemas import PostIn
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
        if not 0 <= last < _MAX_MESSAGE_ID:
            last = 0  # a cursor poisoned before ids were bounded: read one page afresh
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
        cursor = str(max(found)) if found else (str(last) if last else None)
        return [found[k] for k in sorted(found)], state.with_(cursor=cursor)

    def _parse(self, html: str, channel: str, source: SourceConfig) -> dict[int, PostIn]:
        tree = HTMLParser(html)
        messages: dict[int, PostIn] = {}
        for node in tree.css("div.tgme_widget_message[data-post]"):
            post_ref = node.attributes.get("data-post") or ""
            mid = int_or_none(post_ref.rsplit("/", 1)[-1])
            if mid is None or not 0 < mid < _MAX_MESSAGE_ID:
                # Message ids are 32-bit counters; a larger one would poison the cursor.
                self.drop(source, post_ref[:80] or "message", "message id out of range")
                continue
            if "service_message" in (node.attributes.get("class") or "").split():
                continue  # "Channel created", pins, photo changes: the channel, not a post
            try:
                text, parent = _own_text(node)
                if not text or _SERVICE.fullmatch(text):
                    continue  # photos without a caption carry nothing to classify
                item = self._item(node, mid, channel, text, parent, source)
            except Exception as exc:
                self.drop(source, post_ref[:80], f"{type(exc).__name__}: {exc}")
                continue
            if item is not None:
                messages[mid] = item
        return messages

    def _item(
        self,
        node: LexborNode,
        mid: int,
        channel: str,
        text: str,
        parent: dict[str, str] | None,
        source: SourceConfig,
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
                raw={
                    "channel": channel,
                    "views": views.text(strip=True) if views else None,
                    **({"reply_to": parent} if parent else {}),
                },
            )
        except ValueError as exc:
            self.drop(source, f"{channel}/{mid}", first_error(exc))
            return None


_MAX_MESSAGE_ID = 2**31
# Service lines as the preview writes them when the `service_message` class is missing.
_SERVICE = re.compile(
    r"Channel (?:created|photo (?:updated|removed)|name was changed to .{1,200})"
    r"|.{1,200} pinned (?:a |an |the )?(?:message|photo|video|file|poll|«.{0,300}»)"
    r"|(?:Live stream|Video chat|Voice chat) (?:started|ended|scheduled.{0,100})",
    re.DOTALL,
)


def _own_text(node: LexborNode) -> tuple[str, dict[str, str] | None]:
    """Return a message's own text and, for a reply, the quoted parent (context only)."""
    reply = node.css_first(".tgme_widget_message_reply")
    parent: dict[str, str] | None = None
    if reply is not None:
        quoted = reply.css_first(".js-message_reply_text") or reply.css_first(
            ".tgme_widget_message_metatext"
        )
        parent = {
            "url": str(reply.attributes.get("href") or "")[:500],
            "text": html_to_text(quoted.html or "")[:2000] if quoted is not None else "",
        }
    own = None
    for candidate in node.css(".tgme_widget_message_text"):
        # The quoted parent also carries `tgme_widget_message_text`; its own text never sits
        # inside the reply preview.
        if reply is not None and _inside(candidate, reply):
            continue
        own = candidate
        break
    return (html_to_text(own.html or "") if own is not None else ""), parent


def _inside(node: LexborNode, ancestor: LexborNode) -> bool:
    current = node.parent
    while current is not None:
        if current.mem_id == ancestor.mem_id:
            return True
        current = current.parent
    return False
