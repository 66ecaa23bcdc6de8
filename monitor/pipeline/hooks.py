"""Seams between ingest and the domains that enrich new posts.

Ingest stores posts, then calls `run_arrival_hooks` in the same unit of work. Each domain
adds its step to ARRIVAL_HOOKS explicitly, so the order is visible here: regions first
(clusters count regions reached), then clusters.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence

from sqlalchemy.orm import Session

from monitor.clusters.service import assign_clusters
from monitor.posts.models import Post
from monitor.regions.service import tag_posts

log = logging.getLogger(__name__)

# A hook gets the new posts and the region each post's sender declared (post id -> code).
PostHook = Callable[[Session, Sequence[Post], Mapping[int, str]], None]


def _clusters(session: Session, posts: Sequence[Post], declared: Mapping[int, str]) -> None:
    """Cluster near-copies (declared regions reach clusters through the post's tags)."""
    assign_clusters(session, posts)


ARRIVAL_HOOKS: list[tuple[str, PostHook]] = [
    ("regions", tag_posts),
    ("clusters", _clusters),
]


def run_arrival_hooks(
    session: Session, posts: Sequence[Post], declared_regions: Mapping[int, str] | None = None
) -> None:
    """Run every arrival step on newly stored posts, in order."""
    if not posts:
        return
    declared = declared_regions or {}
    for name, hook in ARRIVAL_HOOKS:
        hook(session, posts, declared)
        log.debug("arrival hook done", extra={"hook": name, "posts": len(posts)})
