"""Mastodon public hashtag and account timelines, newest id as the cursor."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

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


class MastodonFetcher(HttpFetcher):
    """`config.tag` (hashtag timeline) or `config.account_id` (account statuses) on `url`."""

    kind: ClassVar[str] = "mastodon"

    def fetch(self, source: SourceConfig, state: FetchState) -> tuple[list[PostIn], FetchState]:
        """Page forward from the cursor with `min_id` so nothing between runs is skipped."""
        base = source.url.rstrip("/")
        if source.config.get("tag"):
            endpoint = f"{base}/api/v1/timelines/tag/{str(source.config['tag']).lstrip('#')}"
        elif source.config.get("account_id"):
            endpoint = f"{base}/api/v1/accounts/{source.config['account_id']}/statuses"
        else:
            raise FetchError("mastodon source needs config.tag or config.account_id")
        limit = int(source.config.get("limit", 40))
        max_pages = int(source.config.get("max_pages", 5))
        cursor = state.cursor
        items: list[PostIn] = []
        for _ in range(max_pages):
            params: dict[str, str | int] = {"limit": limit}
            if cursor:
                # min_id returns the statuses immediately after the cursor (oldest first page),
                # where since_id would return the newest and leave a gap on busy tags.
                params["min_id"] = cursor
            try:
                rows = self.client.get(endpoint, params=params).json()
            except FetchError as exc:
                exc.partial = (items, state.with_(cursor=cursor)) if items else None
                raise
            if not isinstance(rows, list):
                raise FetchError(f"expected a JSON list from {endpoint}")
            page_max = cursor
            for row in rows:
                item = self._item(row, source)
                if item is None:
                    continue
                items.append(item)
                sid = str(row["id"])
                if page_max is None or _newer(sid, page_max):
                    page_max = sid
            if not rows or page_max == cursor or not state.cursor:
                cursor = page_max
                break  # first run: one page of recent history is enough
            cursor = page_max
        return items, state.with_(cursor=cursor)

    def _item(self, row: Any, source: SourceConfig) -> PostIn | None:
        if not isinstance(row, dict) or not row.get("id"):
            return None
        status = row.get("reblog") or row
        account = status.get("account") or {}
        text = html_to_text(str(status.get("content") or ""))
        if status.get("spoiler_text"):
            text = f"{status['spoiler_text']}\n\n{text}"
        if not text:
            return None
        try:
            return PostIn(
                platform="mastodon",
                external_id=str(status.get("uri") or status.get("url") or row["id"]),
                url=status.get("url") or None,
                author=account.get("acct") or None,
                text=text,
                published_at=parse_time(status.get("created_at")),
                language=_language(status.get("language")),
                raw={"id": row["id"], "tags": [t.get("name") for t in status.get("tags", [])]},
            )
        except ValueError as exc:
            log.warning(
                "mastodon status rejected", extra={"source": source.name, "error": str(exc)}
            )
            return None


def _newer(a: str, b: str) -> bool:
    ia, ib = int_or_none(a), int_or_none(b)
    if ia is not None and ib is not None:
        return ia > ib
    return (len(a), a) > (len(b), b)


def _language(code: Any) -> str | None:
    # Mastodon's own tag is the author's setting, often left at "en"; trust only Indonesian ones.
    return str(code) if code in ("id", "jv", "su") else None
