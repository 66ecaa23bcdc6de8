"""The tipline against a Bot API stand-in on 127.0.0.1: tips stored, answers sent at once."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from werkzeug import Request, Response

from monitor.core.outbound import OutboundPolicy, policy_for
from monitor.core.runtime import Runtime
from monitor.core.settings import load_settings
from monitor.factchecks import service as factchecks
from monitor.factchecks.schemas import parse_record
from monitor.posts.models import Post
from monitor.tipline.botapi import BotApi, BotApiError
from monitor.tipline.service import RateLimiter
from monitor.tipline.tasks import poll_once
from tests.factchecks.cases import DEBUNKS

TOKEN = "123456:AAE-secret-tipline-token"


class StandIn:
    """A Bot API stand-in: serves queued updates and records what the bot sends."""

    def __init__(self, server: HTTPServer) -> None:
        self.updates: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []
        self.offsets: list[int | None] = []
        server.expect_request(f"/bot{TOKEN}/getUpdates").respond_with_handler(self._get)
        server.expect_request(f"/bot{TOKEN}/sendMessage").respond_with_handler(self._send)

    def _get(self, request: Request) -> Response:
        body = json.loads(request.data)
        offset = body.get("offset")
        self.offsets.append(offset)
        pending = [u for u in self.updates if offset is None or u["update_id"] >= offset]
        return Response(json.dumps({"ok": True, "result": pending}), mimetype="application/json")

    def _send(self, request: Request) -> Response:
        self.sent.append(json.loads(request.data))
        return Response(json.dumps({"ok": True, "result": {}}), mimetype="application/json")


def _message(uid: int, mid: int, text: str, sender: int = 777, **extra: Any) -> dict[str, Any]:
    return {
        "update_id": uid,
        "message": {
            "message_id": mid,
            "from": {"id": sender, "is_bot": False, "first_name": "Warga"},
            "chat": {"id": sender, "type": "private", "first_name": "Warga"},
            "date": 1764468000,
            "text": text,
            **extra,
        },
    }


@pytest.fixture(autouse=True)
def _fresh_matchers() -> Iterator[None]:
    factchecks.invalidate_matchers()
    yield
    factchecks.invalidate_matchers()


@pytest.fixture
def tip_rt(rt: Runtime, tmp_path: Path, httpserver: HTTPServer) -> Runtime:
    """The rolled-back runtime with tipline settings pointing at the stand-in."""
    settings = load_settings(
        data_dir=tmp_path / "data",
        tipline_bot_token=TOKEN,
        tipline_api_url=httpserver.url_for("/"),
    )
    return Runtime(settings=settings, engine=rt.engine, factory=rt.factory)


def test_forwarded_copy_of_a_debunk_gets_that_debunk(
    tip_rt: Runtime, httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with tip_rt.session() as s:
        factchecks.import_records(s, [parse_record(d) for d in DEBUNKS])
    stand_in = StandIn(httpserver)
    forwarded = (
        "Beredar! Ribuan surat suara sudah dicoblos untuk paslon 02 ditemukan di gudang KPU "
        "Bekasi sebelum hari pencoblosan. Sebarkan!!"
    )
    stand_in.updates = [
        _message(10, 1, "/start"),
        _message(
            11,
            2,
            forwarded,
            forward_origin={"type": "channel", "chat": {"id": -100, "title": "Info Viral"}},
        ),
        _message(
            12,
            3,
            "Cek ini bit.ly/kpu-curang katanya data KPU dihapus",
            entities=[{"type": "url", "offset": 8, "length": 18}],
        ),
        _message(13, 4, ""),
        {"update_id": 14, "edited_message": {"text": "diubah"}},
    ]
    bot = BotApi(
        tip_rt.settings.tipline_api_url,
        SecretStr(TOKEN),
        "WaspadaTest/1.0",
        policy_for(tip_rt.settings),
    )
    limiter = RateLimiter(limit=10, window_seconds=3600)
    offset, answers = poll_once(tip_rt, bot, limiter, None, timeout=0)
    assert offset == 15
    replies = {a.get("reply_parameters", {}).get("message_id", 0): a for a in stand_in.sent}
    assert "Halo" in replies[0]["text"]
    debunk = DEBUNKS[0]
    assert debunk["title"] in replies[2]["text"] and debunk["url"] in replies[2]["text"]
    assert "Nomor kasus: WSP-" in replies[3]["text"] and "Terima kasih" in replies[3]["text"]
    assert "Mohon kirim teks" in replies[4]["text"]
    with tip_rt.session() as s:
        tips = list(s.scalars(select(Post).where(Post.platform == "tipline").order_by(Post.id)))
    assert [t.external_id for t in tips] == ["777:2", "777:3"]
    assert tips[0].raw and tips[0].raw["forwarded_from"] == "Info Viral"
    assert tips[0].raw["sender"] != "777" and tips[0].author is None  # pseudonymous
    assert tips[1].url == "https://bit.ly/kpu-curang"
    case = next(a.case for a in answers if a.reply_to == 3)
    assert case == tips[1].id and f"WSP-{tips[1].id:06d}" in replies[3]["text"]
    # The next poll confirms the batch, so nothing is answered twice.
    offset2, again = poll_once(tip_rt, bot, limiter, offset, timeout=0)
    assert stand_in.offsets[-1] == 15 and again == [] and offset2 == 15
    # Our records never carry the token (werkzeug's are the stand-in server's own access log).
    ours = [r.getMessage() + str(r.__dict__) for r in caplog.records if r.name != "werkzeug"]
    assert ours and not any("secret-tipline" in line for line in ours)


def test_rate_limited_per_sender(tip_rt: Runtime, httpserver: HTTPServer) -> None:
    stand_in = StandIn(httpserver)
    stand_in.updates = [_message(i, i, f"Pesan berantai nomor {i} soal TPS") for i in range(1, 5)]
    stand_in.updates.append(_message(5, 5, "Pesan dari orang lain", sender=888))
    bot = BotApi(
        tip_rt.settings.tipline_api_url, SecretStr(TOKEN), "t", policy_for(tip_rt.settings)
    )
    limiter = RateLimiter(limit=2, window_seconds=3600)
    poll_once(tip_rt, bot, limiter, None, timeout=0)
    texts = [m["text"] for m in stand_in.sent]
    assert sum("terlalu banyak" in t for t in texts) == 2
    assert sum("Nomor kasus" in t for t in texts) == 3  # two from 777, one from 888
    with tip_rt.session() as s:
        assert len(list(s.scalars(select(Post.id).where(Post.platform == "tipline")))) == 3


def test_hostile_updates_never_stop_the_tipline(tip_rt: Runtime, httpserver: HTTPServer) -> None:
    stand_in = StandIn(httpserver)
    stand_in.updates = [
        {"update_id": 1, "message": {"chat": {"id": "not-an-int"}, "text": "x"}},
        {"update_id": 2, "message": "string"},
        _message(3, 3, "Teks\u0000 dengan NUL dan " + "x" * 200_000),  # longer than a post may be
        _message(4, 4, "Masih dijawab setelahnya", entities=[{"type": "url", "offset": "x"}]),
        {"update_id": True},
    ]
    bot = BotApi(
        tip_rt.settings.tipline_api_url, SecretStr(TOKEN), "t", policy_for(tip_rt.settings)
    )
    offset, answers = poll_once(tip_rt, bot, RateLimiter(10, 3600), None, timeout=0)
    assert offset == 5
    by_reply = {a.reply_to: a for a in answers}
    assert "Mohon kirim teks" in by_reply[3].text  # refused clearly, nothing stored
    assert "Nomor kasus" in by_reply[4].text


def test_rate_limiter_window() -> None:
    now = [0.0]
    limiter = RateLimiter(2, 60, clock=lambda: now[0])
    assert limiter.allow("a") is None and limiter.allow("a") is None
    assert limiter.allow("a") == pytest.approx(60)
    assert limiter.allow("b") is None
    now[0] = 61
    assert limiter.allow("a") is None


def test_up_step_runs_the_tipline_only_with_a_token(
    tip_rt: Runtime, rt: Runtime, httpserver: HTTPServer
) -> None:
    import threading
    import time

    from monitor.tipline import tasks

    tasks.start_step(rt)  # no token configured: nothing starts
    assert not any(t.name == "tipline" for t in threading.enumerate())
    stand_in = StandIn(httpserver)
    stand_in.updates = [_message(1, 1, "/start")]
    tasks.start_step(tip_rt)
    try:
        deadline = time.monotonic() + 10
        while not stand_in.sent and time.monotonic() < deadline:
            time.sleep(0.05)
        assert stand_in.sent and "Halo" in stand_in.sent[0]["text"]
    finally:
        tasks.stop()
    for thread in [t for t in threading.enumerate() if t.name == "tipline"]:
        thread.join(timeout=10)


def test_bot_api_at_an_internal_address_is_refused_by_the_outbound_policy(
    tip_rt: Runtime,
) -> None:
    """The tipline's Bot API URL goes through the same policy as webhooks and collectors."""
    bot = BotApi(tip_rt.settings.tipline_api_url, SecretStr(TOKEN), "t", OutboundPolicy(()))
    try:
        with pytest.raises(BotApiError, match="outbound policy") as caught:
            bot.get_updates(None, timeout=0)
        assert TOKEN not in str(caught.value)
    finally:
        bot.close()
