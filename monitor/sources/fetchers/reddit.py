"""Reddit public listings (`/r/<sub>/new.json`), newest creation time as the cursor."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from monitor.posts.schemas import PostIn
from monitor.sources.fetchers.base import FetchState, HttpFetcher, SourceConfig, parse_time
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
        since = float(state.cursor) if state.cursor else 0.0
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
            for child in data["children"]:
                post = child.get("data") if isinstance(child, dict) else None
                if not isinstance(post, dict):
                    continue
                created = float(post.get("created_utc") or 0)
                if created and created <= since:
                    reached_old = True
                    continue
                item = self._item(post, source)
                if item is not None:
                    items.append(item)
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
            log.warning("reddit post rejected", extra={"source": source.name, "error": str(exc)})
            return None
