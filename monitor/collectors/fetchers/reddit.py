"""Reddit public listings (`/r/<sub>/new.json`), newest creation time as the cursor."""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime
from typing import Any, ClassVar

from monitor.collectors.fetchers.base import (
    FetchState,
    HttpFetcher,
    SourceConfig,
    first_error,
    parse_time,
)
from monitor.posts.schemas import FUTURE_SLACK, PostIn
from monitor.sources.http import FetchError

log = logging.getLogger(__name__)


class RedditFetcher(HttpFetcher):
    """`url` is the site (https://www.reddit.com), `config.subreddit` the community."""

    kind: ClassVar[str] = "reddit"

    def fetch(self, source: SourceConfig, state: FetchState) -> tuple[list[PostIn], FetchState]:
        """Page back through `new` with `after=` until posts older than the cursor appear."""
        sub = str(source.config.get("subreddit") or "").removeprefix("r/").strip("/")
        if not sub:
            raise FetchError("reddit source needs config.subreddit")
        endpoint = f"{source.url.rstrip('/')}/r/{sub}/new.json"
        since = _cursor(state.cursor)
        max_pages = int(source.config.get("max_pages", 3))
        items: list[PostIn] = []
        newest = since
        after: str | None = None
        for _ in range(max_pages):
            params: dict[str, str | int] = {"limit": 100, "raw_json": 1}
            if after:
                params["after"] = after
            # Pages run newest to oldest, so a later page failing must not move the cursor
            # past the gap: everything is returned together or not at all.
            body = self.client.get(endpoint, params=params).json()
            data = body.get("data") if isinstance(body, dict) else None
            if not isinstance(data, dict) or not isinstance(data.get("children"), list):
                raise FetchError(f"unexpected listing shape from {endpoint}")
            reached_old = False
            ceiling = (datetime.now(UTC) + FUTURE_SLACK).timestamp()
            for number, child in enumerate(data["children"], 1):
                post = child.get("data") if isinstance(child, dict) else None
                if not isinstance(post, dict):
                    self.drop(source, f"child {number}", "not a post object")
                    continue
                try:
                    created = float(post.get("created_utc") or 0)
                    if created and created <= since:
                        reached_old = True
                        continue
                    item = self._item(post, source)
                except Exception as exc:
                    self.drop(source, f"child {number}", f"{type(exc).__name__}: {exc}")
                    continue
                if item is not None:
                    items.append(item)
                    if math.isfinite(created) and created <= ceiling:
                        # A far-future timestamp is kept as a post but never as the cursor.
                        newest = max(newest, created)
            after = data.get("after")
            if reached_old or not after or not since:
                break
        return items, state.with_(cursor=repr(newest) if newest else state.cursor)

    def _item(self, post: dict[str, Any], source: SourceConfig) -> PostIn | None:
        if not post.get("id"):
            return None
        title = str(post.get("title") or "")
        body = str(post.get("selftext") or "")
        permalink = str(post.get("permalink") or "")
        try:
            return PostIn(
                platform="reddit",
                external_id=str(post.get("name") or f"t3_{post['id']}"),
                url=f"https://www.reddit.com{permalink}" if permalink.startswith("/") else None,
                author=post.get("author") or None,
                title=title or None,
                text=f"{title}\n\n{body}".strip() if body else title,
                published_at=parse_time(post.get("created_utc")),
                raw={"subreddit": post.get("subreddit"), "link": post.get("url")},
            )
        except ValueError as exc:
            self.drop(source, str(post.get("name") or post.get("id"))[:40], first_error(exc))
            return None


def _cursor(value: str | None) -> float:
    # A cursor beyond tomorrow (poisoned before timestamps were bounded) means start over.
    try:
        since = float(value) if value else 0.0
    except ValueError:
        return 0.0
    ceiling = (datetime.now(UTC) + FUTURE_SLACK).timestamp()
    return since if math.isfinite(since) and 0 <= since <= ceiling else 0.0
