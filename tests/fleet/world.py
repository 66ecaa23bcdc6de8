"""The fleet test's world: feeds of ordinary and money-politics posts, a model, keys, a receiver."""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from classifiers.data.corpus import read_labelled_jsonl
from classifiers.models.train import TrainConfig, train
from monitor.alerts import subscriptions
from monitor.core.outbound import policy_for
from monitor.core.runtime import Runtime
from monitor.keys.principal import SYSTEM
from monitor.keys.service import create_key
from monitor.modelversions import service as models
from monitor.regions.tasks import load_regions_step
from monitor.research.promote import promote

SEEDS = Path(__file__).resolve().parents[2] / "classifiers" / "data" / "seeds"
PLACE = " Kejadian di Kabupaten Bogor, Jawa Barat."

ORDINARY = [
    "KPU Kabupaten {n} menggelar rapat pleno terbuka rekapitulasi suara tingkat kecamatan.",
    "Petugas KPPS di desa {n} menyiapkan bilik suara dan kotak suara sejak pagi hari.",
    "Bawaslu mengajak warga kecamatan {n} melaporkan dugaan pelanggaran melalui aplikasi resmi.",
    "Cuaca cerah, antrean pemilih di TPS {n} mengular sejak pukul tujuh pagi.",
    "Pemerintah daerah {n} meliburkan sekolah yang dipakai sebagai tempat pemungutan suara.",
]


def flagged_texts() -> list[str]:
    """Money-politics posts written the way WhatsApp forwards are (the project's own seeds)."""
    rows = read_labelled_jsonl(SEEDS / "money_politics.jsonl")
    positive = [
        r for r in rows if r.labels.get("money_politics") == 1 and sum(r.labels.values()) == 1
    ]
    return [r.text + PLACE for r in positive][:24]


def rss(source: int, items: list[tuple[str, str]]) -> bytes:
    """An RSS 2.0 channel like a regional news site's, one item per (guid, text)."""
    body = "".join(
        f"<item><title>{escape(text[:60])}</title><guid>{guid}</guid>"
        f"<link>https://berita{source}.example.id/{guid}</link>"
        f"<pubDate>Wed, 14 Feb 2024 07:{k:02d}:00 +0700</pubDate>"
        f"<description>{escape(text)}</description></item>"
        for k, (guid, text) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Berita Daerah {source}</title><link>https://berita{source}.example.id/</link>"
        f"<language>id</language>{body}</channel></rss>"
    ).encode()


@dataclass
class Feeds:
    """Serves /feed/<n>.xml and counts every fetch."""

    pages: dict[str, bytes]
    hits: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: Request) -> Response:
        with self.lock:
            self.hits[request.path] += 1
        return Response(self.pages[request.path], content_type="application/rss+xml")


def serve_feeds(server: HTTPServer, sources: int, per_source: int) -> tuple[Feeds, int]:
    """Register the feeds; return the counter and how many items they hold in all."""
    flagged = flagged_texts()
    pages: dict[str, bytes] = {}
    k = 0
    for n in range(sources):
        items = []
        for i in range(per_source):
            if i % 3 == 0:
                text = flagged[k % len(flagged)] + f" (laporan {n}-{i})"
            else:
                text = ORDINARY[(n + i) % len(ORDINARY)].format(n=f"{n}-{i}")
            items.append((f"berita-{n}-{i}", text))
            k += 1
        pages[f"/feed/{n}.xml"] = rss(n, items)
    feeds = Feeds(pages)
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    for path in pages:
        server.expect_request(path).respond_with_handler(feeds)
    return feeds, sources * per_source


def sources_toml(path: Path, server: HTTPServer, sources: int) -> Path:
    """A sources file naming every feed (interval 1 h: each is due exactly once in the test)."""
    path.write_text(
        "\n".join(
            f'[[sources]]\nname = "berita-{n}"\nkind = "rss"\n'
            f'url = "{server.url_for(f"/feed/{n}.xml")}"\ninterval = "1h"\nlanguage = "id"\n'
            for n in range(sources)
        ),
        encoding="utf-8",
    )
    return path


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1 that records which alert ids arrived."""

    alerts: Counter[int] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: Request) -> Response:
        payload = json.loads(request.get_data())
        with self.lock:
            self.alerts[int(payload["id"])] += 1
        return Response("ok")


def prepare(rt: Runtime, webhook: str) -> str:
    """Regions, a promoted seeds-only model, a webhook subscription; return an admin key."""
    load_regions_step(rt)
    config = TrainConfig.small()
    config.stem = False  # seconds, not minutes: the test is about processes, not quality
    trained = train(rt.settings.data_dir, config)
    with rt.session() as s:
        row = models.register(s, rt.settings.data_dir, trained, version="fleet-1")
        promote(s, rt.settings.data_dir, row.version, None, actor="test:fleet")
        _, plaintext = create_key(s, "fleet-admin", "admin")
        req = subscriptions.SubscriptionRequest(
            name="desk", channel="webhook", target=webhook, secret="fleet-webhook-secret-0123"
        )
        subscriptions.create(s, SYSTEM, req, trusted=True, policy=policy_for(rt.settings))
    return plaintext
