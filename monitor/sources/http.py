"""The one polite HTTP client per process: timeouts, User-Agent, per-host limits, size caps.

Fetchers call `HttpClient.get`; it turns every transport problem into a `FetchError` the
scheduler understands (retry later, honour Retry-After, or count towards disabling).
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from monitor.core.outbound import OutboundPolicy, OutboundRefused, PinnedTransport

log = logging.getLogger(__name__)


class FetchError(Exception):
    """A fetch that failed; `retry_after` (seconds) when the server said when to come back.

    A fetcher that stored progress before failing attaches it as `partial` (items, state), so
    what was fetched is kept and the cursor advances only past it.
    """

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        partial: tuple[list[Any], Any] | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        self.partial = partial

    def __reduce__(self) -> tuple[Any, ...]:
        # Why: a run fetched in the helper process comes back pickled, and the default
        # reduction of an exception passes only `reason`, dropping status, Retry-After and
        # the partial items.
        return (_fetch_error, (self.reason, self.status, self.retry_after, self.partial))


def _fetch_error(
    reason: str, status: int | None, retry_after: float | None, partial: Any
) -> FetchError:
    return FetchError(reason, status=status, retry_after=retry_after, partial=partial)


@dataclass
class Response:
    """A fully read, size-checked response."""

    status: int
    url: str
    headers: Mapping[str, str]
    content: bytes
    charset: str | None = None

    def text(self) -> str:
        """Decode the body: the declared charset if it fits, else UTF-8, else cp1252."""
        return decode_body(self.content, self.charset)

    def json(self) -> Any:
        """Parse the body as JSON, raising FetchError on garbage."""
        import json

        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise FetchError(f"invalid JSON from {self.url}: {exc}") from None
        except RecursionError:
            # A hostile page of nested brackets: a clear failure of this fetch, not a crash.
            raise FetchError(f"invalid JSON from {self.url}: nested too deeply") from None


def decode_body(content: bytes, charset: str | None) -> str:
    """Decode bytes, tolerating servers that lie about (or omit) their charset."""
    for encoding in (charset, "utf-8"):
        if not encoding:
            continue
        try:
            return content.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    # Why cp1252: the usual truth behind "UTF-8" bodies that do not decode (Windows editors).
    return content.decode("cp1252", errors="replace")


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Return Retry-After in seconds (RFC 9110 §10.2.3: delay-seconds or an HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass
class _Host:
    gate: threading.Semaphore
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_at: float = 0.0


@dataclass(frozen=True)
class ClientSpec:
    """An `HttpClient`'s arguments (picklable when its policy's resolver is)."""

    user_agent: str
    timeout: float
    max_bytes: int
    host_concurrency: int
    host_interval: float
    max_redirects: int
    policy: OutboundPolicy | None

    def build(self) -> HttpClient:
        """Return a new client with these arguments."""
        return HttpClient(
            user_agent=self.user_agent,
            timeout=self.timeout,
            max_bytes=self.max_bytes,
            host_concurrency=self.host_concurrency,
            host_interval=self.host_interval,
            max_redirects=self.max_redirects,
            policy=self.policy,
        )


class HttpClient:
    """A shared httpx client with per-host concurrency and spacing, robots.txt and size caps."""

    def __init__(
        self,
        *,
        user_agent: str,
        timeout: float = 20.0,
        max_bytes: int = 10 * 1024 * 1024,
        host_concurrency: int = 2,
        host_interval: float = 1.0,
        max_redirects: int = 5,
        policy: OutboundPolicy | None = None,
    ) -> None:
        # The arguments, for a process that must fetch as this client does (`spec`).
        self._spec = ClientSpec(
            user_agent, timeout, max_bytes, host_concurrency, host_interval, max_redirects, policy
        )
        self.user_agent = user_agent
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.host_concurrency = host_concurrency
        self.host_interval = host_interval
        self._client = httpx.Client(
            headers={"User-Agent": user_agent},
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=True,
            max_redirects=max_redirects,
            # Every connection, redirects included, goes through the outbound policy.
            transport=PinnedTransport(policy or OutboundPolicy()),
            trust_env=False,
        )
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()
        self._robots: dict[str, RobotFileParser | None] = {}

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    @property
    def spec(self) -> ClientSpec:
        """What builds an equal client (same limits, same outbound policy) in another process."""
        return self._spec

    def host_times(self) -> dict[str, float]:
        """Return when each host may next be asked (`time.monotonic`, the same in every process)."""
        with self._hosts_lock:
            hosts = list(self._hosts.items())
        out = {}
        for name, host in hosts:
            with host.lock:
                out[name] = host.next_at
        return out

    def keep_spacing(self, times: Mapping[str, float]) -> None:
        """Wait for hosts as another client's `host_times` say (requests made elsewhere)."""
        for name, at in times.items():
            host = self._host(name)
            with host.lock:
                host.next_at = max(host.next_at, at)

    def _host(self, host: str) -> _Host:
        with self._hosts_lock:
            if host not in self._hosts:
                self._hosts[host] = _Host(threading.Semaphore(self.host_concurrency))
            return self._hosts[host]

    @contextmanager
    def _polite(self, url: str) -> Iterator[None]:
        host = self._host(urlsplit(url).netloc.lower())
        with host.gate:
            with host.lock:
                wait = host.next_at - time.monotonic()
                host.next_at = max(host.next_at, time.monotonic()) + self.host_interval
            if wait > 0:
                time.sleep(wait)
            yield

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        robots: bool = False,
    ) -> Response:
        """GET a URL, reading at most `max_bytes` within the total timeout; raise FetchError."""
        if robots and not self.allowed(url):
            raise FetchError(f"robots.txt disallows {url}", status=403)
        limit = max_bytes or self.max_bytes
        deadline = time.monotonic() + self.timeout
        with self._polite(url):
            try:
                with self._client.stream("GET", url, params=params, headers=headers) as resp:
                    return self._read(resp, limit, deadline)
            except httpx.InvalidURL as exc:
                # A feed's link is hostile input: a bad URL costs that link, not the source.
                raise FetchError(f"invalid URL {url[:200]!r}: {exc}") from None
            except OutboundRefused as exc:
                raise FetchError(f"refused {url}: {exc}") from None
            except httpx.TooManyRedirects:
                raise FetchError(f"too many redirects from {url}") from None
            except httpx.TimeoutException as exc:
                raise FetchError(f"timed out fetching {url} ({type(exc).__name__})") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"cannot fetch {url}: {type(exc).__name__}: {exc}") from None

    def _read(self, resp: httpx.Response, limit: int, deadline: float) -> Response:
        url = str(resp.url)
        if resp.status_code == 304:
            return Response(304, url, dict(resp.headers), b"", resp.charset_encoding)
        if resp.status_code >= 400:
            retry = parse_retry_after(resp.headers.get("Retry-After"))
            raise FetchError(
                f"HTTP {resp.status_code} from {url}", status=resp.status_code, retry_after=retry
            )
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(
                f"response from {url} is {declared} bytes, over the {limit}-byte limit"
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchError(f"response from {url} exceeds the {limit}-byte limit")
            # Why a total deadline: httpx's read timeout is per chunk, so a server that drips
            # one byte a second would otherwise hold the worker forever.
            if time.monotonic() > deadline:
                raise FetchError(f"timed out reading {url} (over {self.timeout:.0f}s in total)")
            chunks.append(chunk)
        return Response(
            resp.status_code, url, dict(resp.headers), b"".join(chunks), resp.charset_encoding
        )

    def allowed(self, url: str) -> bool:
        """Tell whether robots.txt lets our User-Agent fetch `url` (RFC 9309), cached per host."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = self._load_robots(origin)
        parser = self._robots[origin]
        return True if parser is None else parser.can_fetch(self.user_agent, url)

    def _load_robots(self, origin: str) -> RobotFileParser | None:
        parser = RobotFileParser()
        try:
            resp = self.get(f"{origin}/robots.txt", max_bytes=512 * 1024)
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return None  # RFC 9309 §2.3.1.3: no robots.txt means everything is allowed
            # §2.3.1.4: unreachable robots.txt means assume complete disallow.
            parser.parse(["User-agent: *", "Disallow: /"])
            return parser
        parser.parse(resp.text().splitlines())
        return parser

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
