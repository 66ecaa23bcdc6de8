"""Mastodon public hashtag and account timelines, newest id as the cursor."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

from monitor.collectors.fetchers.base import (
    FetchState,
    HttpFetcher,
    SourceConfig,
    first_error,
    html_to_text,
    int_or_none,
    parse_time,
)
from monitor.posts.schemas import FUTURE_SLACK, PostIn
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
        # A cursor poisoned before ids were bounded would ask for statuses after the year 3000.
        cursor = state.cursor if state.cursor and _sane_id(state.cursor) else None
        first_run = cursor is None
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
                raise FetchError(
                    f"expected a JSON list from {endpoint}",
                    partial=(items, state.with_(cursor=cursor)) if items else None,
                )
            page_max = cursor
            for number, row in enumerate(rows, 1):
                try:
                    item = self._item(row, source, base)
                except Exception as exc:
                    # One odd status must cost itself only, never the rest of the page.
                    self.drop(source, f"status {number}", f"{type(exc).__name__}: {exc}")
                    continue
                if item is None:
                    continue
                items.append(item)
                sid = str(row["id"])
                if page_max is None or _newer(sid, page_max):
                    page_max = sid
            if not rows or page_max == cursor or first_run:
                cursor = page_max
                break  # first run: one page of recent history is enough
            cursor = page_max
        return items, state.with_(cursor=cursor)

    def _item(self, row: Any, source: SourceConfig, base: str) -> PostIn | None:
        if not isinstance(row, dict) or not row.get("id"):
            self.drop(source, "status", "no id")
            return None
        if not _sane_id(row["id"]):
            # Ids are integers that embed their creation time; anything else would poison
            # the `min_id` cursor so that the source says ok and never collects again.
            self.drop(source, f"status {str(row['id'])[:40]}", "id is not a plausible status id")
            return None
        reblog = row.get("reblog")
        status = reblog if isinstance(reblog, dict) else row
        account_field = status.get("account")
        account: dict[str, Any] = account_field if isinstance(account_field, dict) else {}
        text = html_to_text(str(status.get("content") or ""))
        if status.get("spoiler_text"):
            text = f"{html_to_text(str(status['spoiler_text']))}\n\n{text}"
        if not text:
            return None  # a boost of media only: nothing to classify, nothing lost
        native = status.get("uri") or status.get("url") or row["id"]
        try:
            return PostIn(
                platform="mastodon",
                external_id=str(native)[:500],
                url=status.get("url") or None,
                author=_author(account, base),
                text=text,
                published_at=parse_time(status.get("created_at")),
                language=_language(status.get("language")),
                raw={
                    "id": row["id"],
                    # The author's own language setting (often left at "en"): kept for the
                    # language identifier to weigh, not trusted as the post's language.
                    "platform_language": str(status.get("language") or "")[:10] or None,
                    "tags": [t.get("name") for t in status.get("tags", []) if isinstance(t, dict)],
                },
            )
        except ValueError as exc:
            self.drop(source, f"status {str(row['id'])[:40]}", first_error(exc))
            return None


def _author(account: dict[str, Any], base: str) -> str | None:
    # `acct` is bare for the instance's own users: `budi` here and `budi` elsewhere are
    # different people, so qualify it the way Mastodon writes remote ones (`budi@host`).
    acct = str(account.get("acct") or account.get("username") or "").strip().lstrip("@")
    if not acct:
        return None
    if "@" in acct:
        return acct[:500]
    profile = str(account.get("url") or "")
    host = urlsplit(profile).hostname if profile.startswith(("http://", "https://")) else None
    host = host or urlsplit(base).hostname
    return f"{acct}@{host}"[:500] if host else acct[:500]


def _sane_id(value: Any) -> bool:
    """Return whether a status id is a positive 64-bit integer created before tomorrow."""
    number = int_or_none(value) if isinstance(value, str | int) else None
    if number is None or number <= 0 or number >= 2**63:
        return False
    # Snowflake ids hold milliseconds since the epoch above their 16 low bits.
    limit_ms = int((datetime.now(UTC) + FUTURE_SLACK).timestamp() * 1000)
    return (number >> 16) <= limit_ms


def _newer(a: str, b: str) -> bool:
    ia, ib = int_or_none(a), int_or_none(b)
    if ia is not None and ib is not None:
        return ia > ib
    return (len(a), a) > (len(b), b)


def _language(code: Any) -> str | None:
    # Mastodon's tag is the author's setting, often left at "en": ingest uses it only where the
    # language identifier cannot decide (short texts), never over a confident detection.
    tag = str(code or "").strip().lower()[:10]
    return tag if tag.isalpha() else None
