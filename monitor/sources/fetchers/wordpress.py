"""WordPress REST API (`/wp-json/wp/v2/posts`), paginated, with a `modified_after` cursor."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, ClassVar

from monitor.posts.schemas import PostIn
from monitor.sources.fetchers.base import (
    FetchState,
    HttpFetcher,
    SourceConfig,
    html_to_text,
    parse_time,
)
from monitor.sources.http import FetchError

log = logging.getLogger(__name__)


class WordPressFetcher(HttpFetcher):
    """Posts in modification order; the cursor is the newest `modified_gmt` stored."""

    kind: ClassVar[str] = "wordpress"

    def fetch(self, source: SourceConfig, state: FetchState) -> tuple[list[PostIn], FetchState]:
        """Walk pages oldest-modified first so a failure keeps everything before it."""
        base = source.url.rstrip("/")
        endpoint = base if base.endswith("/wp/v2/posts") else f"{base}/wp-json/wp/v2/posts"
        per_page = int(source.config.get("per_page", 50))
        max_pages = int(source.config.get("max_pages", 10))
        platform = str(source.config.get("platform", "news"))
        params: dict[str, str | int] = {
            "per_page": per_page,
            "orderby": "modified",
            "order": "asc",
            "_fields": "id,date_gmt,modified_gmt,link,title,excerpt,content,author",
        }
        cursor = parse_time(state.cursor)
        if cursor is not None:
            # Why one second back: `modified_after` is exclusive and posts can share a second;
            # re-reading the boundary is free because ingest is idempotent.
            params["modified_after"] = (cursor - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
        items: list[PostIn] = []
        newest = state.cursor
        for page in range(1, max_pages + 1):
            try:
                resp = self.client.get(endpoint, params={**params, "page": page})
                rows = resp.json()
            except FetchError as exc:
                if page > 1 and exc.status == 400:
                    break  # WordPress answers 400 rest_post_invalid_page_number past the end
                exc.partial = (items, state.with_(cursor=newest)) if items else None
                raise
            if not isinstance(rows, list):
                raise FetchError(
                    f"expected a JSON list from {endpoint}",
                    partial=(items, state.with_(cursor=newest)) if items else None,
                )
            for row in rows:
                item = self._item(row, platform, source)
                if item is None:
                    continue
                items.append(item)
                modified = row.get("modified_gmt") or row.get("date_gmt")
                if modified and (newest is None or str(modified) > newest):
                    newest = str(modified)
            total_pages = resp.headers.get("x-wp-totalpages") or resp.headers.get("X-WP-TotalPages")
            if len(rows) < per_page or (
                total_pages and total_pages.isdigit() and page >= int(total_pages)
            ):
                break
        return items, state.with_(cursor=newest)

    def _item(self, row: Any, platform: str, source: SourceConfig) -> PostIn | None:
        if not isinstance(row, dict) or row.get("id") in (None, ""):
            log.info("WordPress item without id skipped", extra={"source": source.name})
            return None
        title = html_to_text(_rendered(row.get("title")))
        body = html_to_text(_rendered(row.get("content"))) or html_to_text(
            _rendered(row.get("excerpt"))
        )
        try:
            return PostIn(
                platform=platform,
                external_id=f"{source.name}:{row['id']}",
                url=row.get("link") or None,
                title=title or None,
                text=body or title,
                published_at=parse_time(_gmt(row.get("date_gmt"))),
                raw={
                    "wp_id": row["id"],
                    "excerpt": html_to_text(_rendered(row.get("excerpt")))[:2000],
                },
            )
        except ValueError as exc:
            log.warning("WordPress item rejected", extra={"source": source.name, "error": str(exc)})
            return None


def _rendered(field: Any) -> str:
    if isinstance(field, dict):
        return str(field.get("rendered", "") or "")
    return str(field or "")


def _gmt(value: Any) -> Any:
    # WordPress writes *_gmt fields without an offset; they are UTC by definition.
    if isinstance(value, str) and value and not value.endswith("Z") and "+" not in value[10:]:
        return value + "Z"
    return value
