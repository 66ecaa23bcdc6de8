"""Fetchers: one small class per source kind, registered by `kind`.

Adding X, YouTube or Bluesky is one more class with `kind` and `fetch(source, state)`,
plus a line in FETCHERS and its kind in `monitor.sources.schemas.KINDS` (a test compares them).
"""

from __future__ import annotations

from monitor.collectors.fetchers.base import Fetcher, FetchState, HttpFetcher, SourceConfig
from monitor.collectors.fetchers.mastodon import MastodonFetcher
from monitor.collectors.fetchers.reddit import RedditFetcher
from monitor.collectors.fetchers.rss import RssFetcher
from monitor.collectors.fetchers.telegram import TelegramFetcher
from monitor.collectors.fetchers.wordpress import WordPressFetcher
from monitor.sources.http import HttpClient

FETCHERS: dict[str, type[HttpFetcher]] = {
    cls.kind: cls
    for cls in (RssFetcher, WordPressFetcher, MastodonFetcher, TelegramFetcher, RedditFetcher)
}


def fetcher_for(kind: str, client: HttpClient) -> Fetcher:
    """Return the fetcher for a kind, sharing the process's HTTP client."""
    try:
        return FETCHERS[kind](client)  # type: ignore[return-value]
    except KeyError:
        raise ValueError(
            f"unknown source kind {kind!r}; known: {', '.join(sorted(FETCHERS))}"
        ) from None


__all__ = ["FETCHERS", "FetchState", "Fetcher", "SourceConfig", "fetcher_for"]
