"""Turn a citizen's message into a post and an immediate answer in Indonesian."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from monitor.factchecks.service import load_matcher
from monitor.flows import arrival
from monitor.posts import service as posts
from monitor.posts.schemas import PostIn

log = logging.getLogger(__name__)

PLATFORM = "tipline"

WELCOME = (
    "Halo! Ini layanan cek fakta Waspada. Teruskan (forward) pesan, foto berketerangan, "
    "atau kirim tautan yang Anda ragukan; kami cocokkan dengan hasil cek fakta yang ada."
)
EMPTY = "Mohon kirim teks atau tautan yang ingin diperiksa."
THANKS = (
    "Terima kasih atas laporan Anda. Nomor kasus: {case}. Belum ada hasil cek fakta yang "
    "cocok; tim kami akan memeriksanya."
)
MATCHED = (
    "Terima kasih. Klaim serupa sudah diperiksa pencari fakta:\n{title}\n{url}\n"
    "Nomor kasus: {case}."
)
SLOW_DOWN = "Anda mengirim terlalu banyak pesan. Mohon coba lagi dalam {minutes} menit."


@dataclass(frozen=True)
class Answer:
    """What to send back, and the case (post id) the tip became, if any."""

    chat_id: int
    text: str
    reply_to: int | None = None
    case: int | None = None


class RateLimiter:
    """At most `limit` tips per sender in a sliding window, kept in memory (one poller)."""

    def __init__(
        self, limit: int, window_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window_seconds
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, sender: str) -> float | None:
        """Record a tip; return None if allowed, else the seconds until the next is allowed."""
        now = self._clock()
        with self._lock:
            times = self._seen.setdefault(sender, deque())
            while times and now - times[0] >= self.window:
                times.popleft()
            if len(times) >= self.limit:
                return self.window - (now - times[0])
            times.append(now)
            if len(self._seen) > 100_000:
                # Senders idle for a whole window carry no state worth keeping.
                for key in [
                    k for k, v in self._seen.items() if not v or now - v[-1] >= self.window
                ]:
                    del self._seen[key]
            return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def case_number(post_id: int) -> str:
    """Return the case number a citizen is told (stable, from the post id)."""
    return f"WSP-{post_id:06d}"


def sender_key(user_id: Any) -> str:
    """Return a pseudonymous sender key: reviewers need to group tips, not to know who sent them."""
    return hashlib.sha256(f"tipline:{user_id}".encode()).hexdigest()[:16]


def _links(message: dict[str, Any]) -> list[str]:
    text = str(message.get("text") or message.get("caption") or "")
    entities = message.get("entities") or message.get("caption_entities") or []
    found: list[str] = []
    for e in entities if isinstance(entities, list) else []:
        if not isinstance(e, dict):
            continue
        if e.get("type") == "text_link" and isinstance(e.get("url"), str):
            found.append(e["url"])
        elif e.get("type") == "url" and isinstance(e.get("offset"), int):
            # Offsets are in UTF-16 code units, as the Bot API documents.
            units = text.encode("utf-16-le")
            start, length = e["offset"] * 2, int(e.get("length") or 0) * 2
            found.append(units[start : start + length].decode("utf-16-le", "ignore"))
    return [u if "://" in u else f"https://{u}" for u in found if u]


def _forwarded_from(message: dict[str, Any]) -> str | None:
    origin = message.get("forward_origin")
    if isinstance(origin, dict):
        chat = _dict(origin.get("chat"))
        user = _dict(origin.get("sender_user"))
        name = (
            chat.get("username")
            or chat.get("title")
            or origin.get("sender_user_name")
            or user.get("username")
        )
        return str(name or origin.get("type") or "forwarded")[:200]
    return None


def tip_of(message: dict[str, Any]) -> PostIn | None:
    """Return the post a message carries (None when it has no text or link)."""
    chat = _dict(message.get("chat"))
    sender = _dict(message.get("from"))
    text = str(message.get("text") or message.get("caption") or "").strip()
    if not text:
        return None
    links = _links(message)
    date = message.get("date")
    published = (
        datetime.fromtimestamp(date, UTC) if isinstance(date, int) and 0 < date < 2**33 else None
    )
    return PostIn(
        platform=PLATFORM,
        external_id=f"{chat.get('id')}:{message.get('message_id')}",
        url=next((u for u in links if u.startswith(("http://", "https://"))), None),
        text=text,
        published_at=published,
        raw={
            "sender": sender_key(sender.get("id") or chat.get("id")),
            "forwarded_from": _forwarded_from(message),
            "links": links[:20],
        },
    )


def handle(session: Session, update: dict[str, Any], limiter: RateLimiter) -> Answer | None:
    """Store one update's tip and return the answer to send (None for non-messages)."""
    message = update.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("chat"), dict):
        return None
    chat_id = message["chat"].get("id")
    if not isinstance(chat_id, int) or isinstance(chat_id, bool):
        return None
    mid = message.get("message_id") if isinstance(message.get("message_id"), int) else None
    text = str(message.get("text") or "").strip()
    if text.split(maxsplit=1)[:1] in (["/start"], ["/help"]):
        return Answer(chat_id, WELCOME)
    sender = _dict(message.get("from"))
    wait = limiter.allow(sender_key(sender.get("id") or chat_id))
    if wait is not None:
        return Answer(chat_id, SLOW_DOWN.format(minutes=max(1, round(wait / 60))), mid)
    try:
        tip = tip_of(message)
    except ValidationError as exc:
        log.info("tip refused", extra={"chat": "hidden", "errors": exc.error_count()})
        return Answer(chat_id, EMPTY, mid)
    if tip is None:
        return Answer(chat_id, EMPTY, mid)
    outcome = arrival.arrive(session, [tip], scorer=arrival.loaded_scorer())
    post_id = posts.post_id_of(session, tip)
    case = case_number(post_id) if post_id else "-"
    matcher = load_matcher(session)
    match = matcher.match([tip.text])[0] if matcher is not None else None
    log.info(
        "tip received",
        extra={"post_id": post_id, "new": outcome.report.new, "matched": match is not None},
    )
    if match is not None:
        reply = MATCHED.format(title=match.title, url=match.url or "", case=case)
        return Answer(chat_id, reply.replace("\n\n", "\n"), mid, post_id)
    return Answer(chat_id, THANKS.format(case=case), mid, post_id)
