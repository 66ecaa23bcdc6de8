"""A simulated election day for `waspada bench day`: curve, real texts, and the feeds serving it.

The day runs 07:00-17:00 compressed into a few minutes: a daytime curve (quiet morning,
peak around counting time) with a tenfold burst after a viral hoax. Each post is published
at its compressed moment on one of several RSS feeds on 127.0.0.1; the feed server records
when each post was first served, which is the "fetch" end of fetch-to-queue.
"""

from __future__ import annotations

import csv
import json
import math
import random
import threading
import time
from bisect import bisect_right
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

DAY_HOURS = 10.0
BURST = (0.60, 0.70)  # share of the day: 13:00-14:00, a viral hoax spreads
BURST_FACTOR = 10.0
# Items a page shows at most: the newest, like a real feed (older ones were fetched before).
PAGE_ITEMS = 2000


@dataclass(frozen=True)
class DayPost:
    """One post of the day: when it appears (seconds into the run), where, and its text."""

    at: float
    feed: int
    guid: str
    text: str
    flagged_source: bool  # drawn from the flagged share (debunked hoax or a labelled positive)

    @property
    def link(self) -> str:
        """The post's URL, which the queue API returns (the bench's join key)."""
        return f"https://warga{self.feed}.example.id/p/{self.guid}"


def rate_at(share: float, peak: float) -> float:
    """Posts per second at `share` of the day: a daytime curve, tenfold in the burst."""
    base = peak * (0.25 + 0.75 * math.sin(math.pi * share))
    return base * (BURST_FACTOR if BURST[0] <= share < BURST[1] else 1.0)


def in_burst(share: float) -> bool:
    """Tell whether a moment of the day is inside the burst."""
    return BURST[0] <= share < BURST[1]


@dataclass
class Texts:
    """Real texts: ordinary tweets and news, and the flagged share."""

    ordinary: list[str]
    flagged: list[str]


def load_texts(shared: Path, seeds: Path) -> Texts:
    """Read tweets and news (ordinary) and debunked hoaxes plus labelled positives (flagged)."""
    ordinary: list[str] = []
    with (shared / "pilpres2019_sentiment" / "tweet.csv").open(encoding="utf-8") as fh:
        ordinary += [r["tweet"] for r in csv.DictReader(fh) if r.get("tweet")]
    for path in sorted((shared / "indosum2018_news").glob("dev.*.jsonl"))[:1]:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                paragraphs = json.loads(line)["paragraphs"]
                first = " ".join(" ".join(sentence) for sentence in paragraphs[0])
                ordinary.append(first[:600])
    flagged: list[str] = []
    with (shared / "hoax_pilpres2024_headlines" / "data_berita.csv").open(encoding="utf-8") as fh:
        flagged += [r["Judul Artikel"] for r in csv.DictReader(fh) if r["Berita_Hoax"] == "True"]
    for path in sorted(seeds.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                if row.get("kind") == "positive":
                    flagged.append(row["text"])
    if not ordinary or not flagged:
        raise ValueError(f"no texts found under {shared}")
    return Texts(ordinary, flagged)


def schedule(
    texts: Texts, seconds: float, peak: float, feeds: int, flagged_share: float, seed: int = 0
) -> list[DayPost]:
    """Draw the day's posts: arrival times follow the curve, compressed into `seconds`."""
    rng = random.Random(seed)
    posts: list[DayPost] = []
    t, step = 0.0, 0.05
    carry = 0.0
    n = 0
    while t < seconds:
        carry += rate_at(t / seconds, peak) * step
        while carry >= 1.0:
            carry -= 1.0
            flagged = rng.random() < flagged_share
            pool = texts.flagged if flagged else texts.ordinary
            # A counter makes each text unique: copies are the clusters' business, not this.
            text = f"{rng.choice(pool)} #{n}"
            posts.append(DayPost(t + rng.random() * step, n % feeds, f"d{n}", text, flagged))
            n += 1
        t += step
    posts.sort(key=lambda p: p.at)
    return posts


@dataclass
class DayFeeds:
    """Serves /day/<feed>.xml: the feed's posts published so far (newest first, bounded)."""

    posts: list[DayPost]
    feeds: int
    started: float = 0.0
    first_served: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _by_feed: list[list[DayPost]] = field(default_factory=list)
    _times: list[list[float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_feed = [[p for p in self.posts if p.feed == f] for f in range(self.feeds)]
        self._times = [[p.at for p in ps] for ps in self._by_feed]

    def start_clock(self) -> None:
        """Begin the day now."""
        self.started = time.time()

    def page(self, feed: int) -> bytes:
        """Render the feed's current page and remember when each post was first served."""
        now = time.time()
        if not self.started:
            shown: list[DayPost] = []
        else:
            end = bisect_right(self._times[feed], now - self.started)
            shown = self._by_feed[feed][max(0, end - PAGE_ITEMS) : end]
        with self.lock:
            for p in shown:
                self.first_served.setdefault(p.link, now)
        items = "".join(
            f"<item><title>{escape(p.text[:80])}</title><guid>{p.guid}</guid>"
            f"<link>{p.link}</link>"
            f"<pubDate>{formatdate(self.started + p.at)}</pubDate>"
            f"<description>{escape(p.text)}</description></item>"
            for p in reversed(shown)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Warga {feed}</title><link>https://warga{feed}.example.id/</link>"
            f"<language>id</language>{items}</channel></rss>"
        ).encode()


def serve(feeds: DayFeeds) -> ThreadingHTTPServer:
    """Start the feed server on 127.0.0.1 (a free port) in a daemon thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path.startswith("/day/") and path.endswith(".xml"):
                name = path[5:-4]
                body = b""
                if name.isdigit() and int(name) < feeds.feeds:  # digits only: no "-1"
                    body = feeds.page(int(name))
                if body:
                    self._send(200, body, "application/rss+xml")
                    return
            self._send(404, b"not found", "text/plain")

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return  # quiet: the bench prints its own figures

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
