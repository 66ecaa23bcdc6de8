"""Politeness of the shared client: per-host concurrency cap, per-host spacing, User-Agent."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.core.outbound import OutboundPolicy
from monitor.sources.http import HttpClient

# The test servers listen on 127.0.0.1: allow-listed explicitly.
LOCAL = OutboundPolicy.allowing("127.0.0.1")


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    """A threaded server, so only the client can be what limits concurrency."""
    srv = HTTPServer(host="127.0.0.1", threaded=True)
    srv.start()
    yield srv
    srv.clear()
    srv.stop()


class InFlight:
    """Counts concurrent requests per Host header and remembers the peak."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now: dict[str, int] = {}
        self.peak: dict[str, int] = {}
        self.agents: set[str] = set()

    def __call__(self, request: Request) -> Response:
        host = request.headers.get("Host", "")
        with self.lock:
            self.now[host] = self.now.get(host, 0) + 1
            self.peak[host] = max(self.peak.get(host, 0), self.now[host])
            self.agents.add(request.headers.get("User-Agent", ""))
        time.sleep(0.2)  # long enough for the other threads to pile up
        with self.lock:
            self.now[host] -= 1
        return Response("ok")


def test_per_host_concurrency_is_capped_and_hosts_are_independent(server: HTTPServer) -> None:
    counter = InFlight()
    server.expect_request("/slow").respond_with_handler(counter)
    urls = [server.url_for("/slow"), server.url_for("/slow").replace("127.0.0.1", "localhost")]
    client = HttpClient(
        policy=LOCAL, user_agent="WaspadaPolite/1.0", host_concurrency=2, host_interval=0.0
    )
    threads = [
        threading.Thread(target=client.get, args=(urls[i % 2],)) for i in range(12)
    ]  # six requests per host, all at once
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    client.close()
    assert sorted(counter.peak.values()) == [2, 2]  # never more than two per host ...
    assert len(counter.peak) == 2  # ... and one host's queue does not hold up the other
    assert counter.agents == {"WaspadaPolite/1.0"}


def test_requests_to_one_host_are_spaced(
    server: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.expect_request("/a").respond_with_data("ok")
    slept: list[float] = []
    # Record the waits instead of sleeping them: this test checks the schedule, not the clock.
    monkeypatch.setattr("monitor.sources.http.time.sleep", slept.append)
    client = HttpClient(policy=LOCAL, user_agent="t", host_interval=30.0)
    for _ in range(3):
        client.get(server.url_for("/a"))
    other = server.url_for("/a").replace("127.0.0.1", "localhost")
    client.get(other)  # another host starts its own schedule: no wait
    client.close()
    assert len(slept) == 2
    assert 29.0 < slept[0] <= 30.0 and 59.0 < slept[1] <= 60.0
