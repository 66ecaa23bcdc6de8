"""Alert test parts: real receivers on 127.0.0.1 (webhook, fake Telegram Bot API, SMTP)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from pytest_httpserver import HTTPServer
from sqlalchemy.orm import Session
from werkzeug import Request, Response

from monitor.alerts.channels import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from monitor.core.outbound import OutboundPolicy
from monitor.core.runtime import Runtime
from monitor.core.settings import load_settings
from tests.support.processes import free_port

# The receivers listen on 127.0.0.1: allow-listed explicitly, as an operator would.
LOCAL = OutboundPolicy.allowing("127.0.0.1")
BOT_TOKEN = "7012345678:AAH-test_TOKEN_never_logged_x9"
SECRET_15 = "whsec-jambi-0123456789abcdef"
SECRET_31 = "whsec-jakarta-0123456789abcdef"


@dataclass
class Call:
    """One request a receiver got."""

    path: str
    body: dict[str, Any]
    signature_ok: bool | None = None


@dataclass
class Receivers:
    """A real HTTP server standing in for webhook receivers and the Telegram Bot API."""

    server: HTTPServer
    calls: list[Call] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        """Absolute URL of a path on this server."""
        return self.server.url_for(path)

    @property
    def telegram_base(self) -> str:
        """What WASPADA_TELEGRAM_API_URL points at."""
        return self.url("/tg")

    def webhook(self, path: str, secret: str, statuses: list[int] | None = None) -> None:
        """Serve a webhook receiver that checks the HMAC header; answer `statuses` in turn."""
        queue = list(statuses or [])

        def handle(req: Request) -> Response:
            body = req.get_data()
            sig = req.headers.get(SIGNATURE_HEADER, "")
            ts = req.headers.get(TIMESTAMP_HEADER, "")
            ok = verify(secret, ts, body, sig, tolerance=300)
            self._record(Call(path, json.loads(body), ok))
            status = queue.pop(0) if queue else 200
            return Response("ok" if ok else "bad signature", status=status if ok else 401)

        self.server.expect_request(path, method="POST").respond_with_handler(handle)

    def telegram(self, statuses: list[int] | None = None) -> None:
        """Serve the Bot API `sendMessage` method for BOT_TOKEN, like api.telegram.org."""
        queue = list(statuses or [])

        def handle(req: Request) -> Response:
            self._record(Call("telegram", json.loads(req.get_data())))
            status = queue.pop(0) if queue else 200
            if status != 200:
                body: dict[str, Any] = {"ok": False, "error_code": status}
                if status == 429:  # Telegram's flood control says how long to wait
                    body["parameters"] = {"retry_after": 600}
                return Response(json.dumps(body), status=status)
            result = {"ok": True, "result": {"message_id": len(self.calls)}}
            return Response(json.dumps(result), content_type="application/json")

        path = f"/tg/bot{BOT_TOKEN}/sendMessage"
        self.server.expect_request(path, method="POST").respond_with_handler(handle)

    def at(self, path: str) -> list[Call]:
        """Calls to one path ('telegram' for the Bot API)."""
        with self.lock:
            return [c for c in self.calls if c.path == path]

    def _record(self, call: Call) -> None:
        with self.lock:
            self.calls.append(call)


@pytest.fixture
def receivers() -> Iterator[Receivers]:
    """A fresh HTTP server on 127.0.0.1 per test."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        yield Receivers(server)
    finally:
        server.clear()
        server.stop()


@dataclass
class Mailbox:
    """Messages an SMTP server on 127.0.0.1 accepted."""

    port: int
    messages: list[tuple[list[str], Message]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        """Store an accepted message."""
        content = envelope.original_content or b""
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(content)))
        return "250 Message accepted for delivery"


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1."""
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def alert_rt(rt: Runtime, receivers: Receivers, mailbox: Mailbox, tmp_path: Path) -> Runtime:
    """The test runtime with Telegram and SMTP pointed at the local servers."""
    settings = load_settings(
        data_dir=tmp_path / "data",
        telegram_bot_token=BOT_TOKEN,
        telegram_api_url=receivers.telegram_base,
        smtp_url=f"smtp://127.0.0.1:{mailbox.port}",
    )
    return Runtime(settings=settings, engine=rt.engine, factory=rt.factory)


def session_of(rt: Runtime) -> Session:
    """A plain session in the test transaction (for assertions after commits)."""
    return rt.factory()
