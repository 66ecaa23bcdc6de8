"""The one outbound-request policy: no request reaches an internal address unless allow-listed.

Every outgoing connection (collectors, article pages, webhooks, Telegram, SMTP) resolves the
name itself, refuses loopback, private, link-local, multicast, reserved and unspecified
addresses in every spelling (`127.1`, `0x7f.0.0.1`, `2130706433`, `::ffff:127.0.0.1`, names
such as `*.nip.io` that resolve inward), and then connects to the very address it checked.
Checking at connect time covers redirects too: each hop opens its own vetted connection.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpcore
import httpx

from monitor.core.allowlist import IP, AllowEntry, parse_allow

if TYPE_CHECKING:  # annotation only: settings validates its allow-list with parse_allow
    from monitor.core.settings import Settings

Resolver = Callable[[str, int], list[str]]

# Why explicit: `is_global` calls multicast global, and IPv6 prefixes that embed an IPv4
# address (NAT64, 6to4) are global even when the embedded address is 127.0.0.1.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_SIXTOFOUR = ipaddress.ip_network("2002::/16")


class OutboundRefused(Exception):
    """A request aimed at an address the policy forbids; the message names host and reason."""


def blocked(ip: IP) -> bool:
    """Tell whether an address is internal (not a public unicast address on the internet)."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return blocked(ip.ipv4_mapped)
        if ip in _NAT64:
            return blocked(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip in _SIXTOFOUR:
            return blocked(ipaddress.IPv4Address((int(ip) >> 80) & 0xFFFFFFFF))
        if ip in _NAT64_LOCAL or ip.teredo is not None or ip.sixtofour is not None:
            return True
    return (
        not ip.is_global
        or ip.is_multicast
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_unspecified
    )


def system_resolver(host: str, port: int) -> list[str]:
    """Resolve a name (or any IPv4/IPv6 spelling) the way a connection would; raise OSError."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class OutboundPolicy:
    """Which destinations outgoing requests may reach; strict unless entries are allowed."""

    allow: tuple[AllowEntry, ...] = ()
    resolver: Resolver = field(default=system_resolver, compare=False)

    @classmethod
    def allowing(cls, *entries: str, resolver: Resolver = system_resolver) -> OutboundPolicy:
        """Build a policy that also lets the given entries through."""
        return cls(parse_allow(entries), resolver)

    def permits(self, host: str, port: int, ip: IP) -> bool:
        """Tell whether a connection to host:port at ip is allowed."""
        return not blocked(ip) or any(e.matches(host, port, ip) for e in self.allow)

    def vet(self, host: str, port: int) -> list[str]:
        """Resolve host and return its addresses; raise OutboundRefused if any is forbidden.

        Why refuse when only one address is internal: a name answering both a public and an
        internal address is the DNS-rebinding shape, and which one gets used is not ours to pick.
        """
        host = host.strip("[]")
        try:
            addresses = self.resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise OSError(f"cannot resolve {host}: {exc}") from None
        if not addresses:
            raise OSError(f"cannot resolve {host}")
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
            if not self.permits(host, port, ip):
                raise OutboundRefused(
                    f"{host}:{port} resolves to internal address {ip}; refused by the "
                    "outbound policy (allow it with WASPADA_OUTBOUND_ALLOW)"
                )
        return addresses

    def check_url(self, url: str) -> None:
        """Refuse a URL whose host is internal now; names that do not resolve yet pass.

        Used when a source or webhook is registered, to give a clear error early; the
        connect-time check still guards every request.
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise OutboundRefused(f"{url[:200]!r} is not an http(s) URL with a host")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise OutboundRefused(f"{url[:200]!r} has an invalid port") from None
        try:
            self.vet(parts.hostname, port)
        except OSError:
            return

    def connect(self, host: str, port: int, timeout: float | None) -> socket.socket:
        """Open a TCP connection to a vetted address of host (used by SMTP)."""
        last: OSError | None = None
        for address in self.vet(host, port):
            try:
                return socket.create_connection((address, port), timeout)
            except OSError as exc:
                last = exc
        raise last or OSError(f"cannot connect to {host}:{port}")


class _VettingBackend(httpcore.NetworkBackend):
    """httpcore's network layer, connecting only to addresses the policy vetted."""

    def __init__(self, policy: OutboundPolicy) -> None:
        self.policy = policy
        self.inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """Connect to the first reachable vetted address; TLS keeps the original name (SNI)."""
        try:
            addresses = self.policy.vet(host, port)
        except OutboundRefused:
            raise
        except OSError as exc:
            raise httpcore.ConnectError(str(exc)) from None
        last: Exception | None = None
        for address in addresses:
            try:
                return self.inner.connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last = exc
        raise last or httpcore.ConnectError(f"cannot connect to {host}:{port}")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """Refuse Unix sockets: they are local by definition."""
        raise OutboundRefused("unix sockets are refused by the outbound policy")

    def sleep(self, seconds: float) -> None:
        """Sleep (used by httpcore's retries)."""
        self.inner.sleep(seconds)


class PinnedTransport(httpx.HTTPTransport):
    """An httpx transport whose every connection goes through the outbound policy."""

    def __init__(
        self,
        policy: OutboundPolicy,
        *,
        ssl_context: ssl.SSLContext | None = None,
        max_connections: int = 100,
        max_keepalive: int = 20,
    ) -> None:
        context = ssl_context or ssl.create_default_context()
        super().__init__(verify=context, trust_env=False)
        # Why replace the pool: httpx exposes no hook for name resolution; httpcore's pool
        # takes a network backend, which is where the vetted address is pinned.
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            max_connections=max_connections,
            max_keepalive_connections=max_keepalive,
            network_backend=_VettingBackend(policy),
        )


def client(
    policy: OutboundPolicy, *, ssl_context: ssl.SSLContext | None = None, **kwargs: object
) -> httpx.Client:
    """Build an httpx client bound to the policy (environment proxies ignored)."""
    transport = PinnedTransport(policy, ssl_context=ssl_context)
    return httpx.Client(transport=transport, trust_env=False, **kwargs)  # type: ignore[arg-type]


def describe(entries: Sequence[AllowEntry]) -> str:
    """Return the allow-list as the setting would spell it (for logs and errors)."""
    out = []
    for e in entries:
        body = str(e.network) if e.network is not None else str(e.host)
        if e.port is not None:
            body = f"[{body}]:{e.port}" if ":" in body else f"{body}:{e.port}"
        out.append(body)
    return ",".join(out)


def policy_for(settings: Settings) -> OutboundPolicy:
    """Return the policy configured by WASPADA_OUTBOUND_ALLOW."""
    return OutboundPolicy(parse_allow(settings.outbound_allow))
