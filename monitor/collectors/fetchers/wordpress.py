"""WordPress REST API (`/wp-json/wp/v2/posts`), paginated, with a `modified_after` cursor."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, ClassVar

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
from monitor.posts.schemas import PostIn
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
            "_fields": (
                "id,date_gmt,modified_gmt,link,title,excerpt,content,author,_links,_embedded"
            ),
            # The author's display name comes embedded; sites that hide users embed an error.
            "_embed": "author",
        }
        site = base.split("/wp-json", 1)[0] + "/"
        cursor = parse_time(state.cursor)
        if cursor is not None:
            # Why one second back: `modified_after` is exclusive and posts can share a second;
            # re-reading the boundary is free because ingest is idempotent.
            params["modified_after"] = (cursor - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
        items: list[PostIn] = []
        # An unreadable or far-future cursor (from before dates were bounded) is dropped.
        newest = state.cursor if cursor is not None else None
        newest_at = cursor
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
            for number, row in enumerate(rows, 1):
                try:
                    item = self._item(row, platform, source, site)
                except Exception as exc:
                    # One odd post must cost itself only, never the rest of the page.
                    self.drop(source, f"page {page} post {number}", f"{type(exc).__name__}: {exc}")
                    continue
                if item is None:
                    continue
                items.append(item)
                # Compared as times, not strings; a far-future `modified_gmt` is out of range
                # (parse_time gives None) and must not move the cursor past every real post.
                modified = parse_time(_gmt(row.get("modified_gmt") or row.get("date_gmt")))
                if modified is not None and (newest_at is None or modified > newest_at):
                    newest_at = modified
                    newest = modified.strftime("%Y-%m-%dT%H:%M:%S")
            total_pages = resp.headers.get("x-wp-totalpages") or resp.headers.get("X-WP-TotalPages")
            if len(rows) < per_page or (
                total_pages and total_pages.isdigit() and page >= int(total_pages)
            ):
                break
        return items, state.with_(cursor=newest)

    def _item(self, row: Any, platform: str, source: SourceConfig, site: str) -> PostIn | None:
        if not isinstance(row, dict) or row.get("id") in (None, "") or isinstance(row["id"], dict):
            self.drop(source, "post", "no id")
            return None
        title = html_to_text(_rendered(row.get("title")))
        body = html_to_text(_rendered(row.get("content"))) or html_to_text(
            _rendered(row.get("excerpt"))
        )
        link = row.get("link")
        try:
            return PostIn(
                platform=platform,
                external_id=scoped_id(source.name, row["id"]),
                # Sites behind proxies often write site-relative links (`/2026/08/slug/`).
                url=absolute_url(link, site) if link else None,
                author=_author(row),
                title=title or None,
                text=body or title,
                published_at=parse_time(_gmt(row.get("date_gmt"))),
                raw={
                    "wp_id": row["id"],
                    "wp_author": row.get("author"),
                    "excerpt": html_to_text(_rendered(row.get("excerpt")))[:2000],
                },
            )
        except ValueError as exc:
            self.drop(source, f"post {str(row['id'])[:40]}", first_error(exc))
            return None


def _author(row: dict[str, Any]) -> str | None:
    embedded = row.get("_embedded")
    authors = embedded.get("author") if isinstance(embedded, dict) else None
    if isinstance(authors, list) and authors and isinstance(authors[0], dict):
        name = authors[0].get("name")
        if isinstance(name, str) and name.strip():
            return html_to_text(name)[:500] or None
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
