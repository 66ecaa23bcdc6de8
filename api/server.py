"""The uvicorn server settings: trusted proxies only, and a deadline for request headers."""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from monitor.core.settings import Settings


class HeaderDeadline(asyncio.Protocol):
    """A deadline for a request's headers (uvicorn has none of its own), for either parser.

    Why: a client that opens connections and sends its headers a byte at a time, or never,
    would otherwise hold them open for ever (slowloris). Both uvicorn protocols create
    `self.cycle` when a request's headers are complete.
    """

    header_timeout: float = 10.0
    cycle: Any
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Start the header deadline as soon as the connection opens."""
        super().connection_made(transport)
        self._arm()

    def _waiting_for_headers(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._expire)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _expire(self) -> None:
        self._header_timer = None
        if self._waiting_for_headers() and not self.transport.is_closing():
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        """Arm the deadline for the next request's headers; disarm once they are complete."""
        if self._waiting_for_headers():
            self._arm()
        super().data_received(data)
        if not self._waiting_for_headers():
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Drop the deadline with the connection."""
        self._disarm()
        super().connection_lost(exc)


class HeaderDeadlineHttpTools(HeaderDeadline, HttpToolsProtocol):
    """httptools (llhttp, C) with the header deadline: the protocol the API serves with.

    Why not h11: h11 parses each request and writes its response in pure Python, about
    4 % of a flat queue page's API-process samples under py-spy (docs/benchmarks.md, api7).
    """


def protocol_for(settings: Settings) -> type[HeaderDeadlineHttpTools]:
    """Return the HTTP protocol class with the configured header deadline."""
    return type(
        "WaspadaHttp", (HeaderDeadlineHttpTools,), {"header_timeout": settings.http_header_timeout}
    )


def uvicorn_config(app: Any, settings: Settings) -> uvicorn.Config:
    """Build uvicorn's configuration from settings.

    X-Forwarded-For/-Proto are believed only from WASPADA_TRUSTED_PROXIES (uvicorn's default
    trusts 127.0.0.1, which let any local client pick its own address for the login limit).
    Idle keep-alive outlasts clients' own idle expiry: with uvicorn's 5 s, equal to httpx's,
    a client reusing a connection near 5 s raced the server's close and lost the request
    (`ReadError`; 14 of 240 such reuses on a busy server, tests/security/test_keep_alive.py).
    """
    proxies = ",".join(p.strip() for p in settings.trusted_proxies.split(",") if p.strip())
    return uvicorn.Config(
        app,
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
        http=protocol_for(settings),
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or "",
        timeout_keep_alive=settings.http_keep_alive_timeout,
    )
