"""The outbound allow-list (WASPADA_OUTBOUND_ALLOW): its entries and how they are parsed.

Apart from `outbound` so that settings can validate the list without importing httpx and ssl
(about 0.06 CPU-s of every command's start, `waspada classify` included).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
Net = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class AllowEntry:
    """One allow-list entry: a host name or network, optionally limited to one port."""

    host: str | None = None
    network: Net | None = None
    port: int | None = None

    def matches(self, host: str, port: int, ip: IP) -> bool:
        """Tell whether this entry lets a connection to host:port at ip through."""
        if self.port is not None and self.port != port:
            return False
        if self.network is not None:
            mapped = getattr(ip, "ipv4_mapped", None) or ip
            return mapped in self.network or ip in self.network
        return self.host == host.lower().rstrip(".")


def parse_entry(text: str) -> AllowEntry:
    """Parse `host`, `host:port`, `10.0.0.0/8`, `10.0.0.5:8080` or `[fd00::1]:443`."""
    text = text.strip()
    if not text:
        raise ValueError("empty allow-list entry")
    port: int | None = None
    body = text
    if text.startswith("["):
        inner, _, rest = text[1:].partition("]")
        body = inner
        if rest:
            if not rest.startswith(":") or not rest[1:].isdigit():
                raise ValueError(f"bad port in allow-list entry {text!r}")
            port = int(rest[1:])
    elif text.count(":") == 1:
        body, _, tail = text.partition(":")
        if not tail.isdigit():
            raise ValueError(f"bad port in allow-list entry {text!r}")
        port = int(tail)
    if port is not None and not 1 <= port <= 65535:
        raise ValueError(f"port out of range in allow-list entry {text!r}")
    try:
        return AllowEntry(network=ipaddress.ip_network(body, strict=False), port=port)
    except ValueError:
        pass
    if "/" in body or not body.replace("-", "").replace(".", "").replace("_", "").isalnum():
        raise ValueError(f"allow-list entry {text!r} is neither a host, an address nor a network")
    return AllowEntry(host=body.lower().rstrip("."), port=port)


def parse_allow(value: str | Iterable[str]) -> tuple[AllowEntry, ...]:
    """Parse a comma-separated allow-list (WASPADA_OUTBOUND_ALLOW)."""
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(parse_entry(item) for item in items if item.strip())
