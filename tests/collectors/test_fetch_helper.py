"""Collection with the sources fetched ahead in the helper process: same rows, nothing lost.

Real parts only: a spawned helper process, real HTTP on 127.0.0.1, real SQLite files. The
helper fetches several sources at once within the per-host limit; it is killed mid-fetch,
refused a job it cannot be sent, and made to fail its start.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from werkzeug import Request, Response

from monitor.core.db import make_engine
from monitor.core.outbound import OutboundPolicy, system_resolver
from monitor.core.runtime import Runtime, runtime_for_engine
from monitor.flows.collect import _collect_in_turn, _hand_over
from monitor.flows.fetch_helper import STAGGER, FetchHelper, Job, _Mark
from monitor.posts.models import Post
from monitor.posts.schemas import PostIn
from monitor.sources import service
from monitor.sources.fetching import FetchState
from monitor.sources.http import FetchError, HttpClient
from monitor.sources.models import Source
from monitor.sources.schemas import SourceSpec
from tests.collectors.conftest import LOCAL, test_settings

NAMES = ("aceh", "bali", "jambi", "papua")


@pytest.fixture
def make_rt(
    migrated_template: Callable[[str], str], tmp_path: Path
) -> Iterator[Callable[[str], Runtime]]:
    """Fresh committed SQLite databases (the helper serves SQLite's collection only)."""
    made: list[Runtime] = []

    def make(name: str) -> Runtime:
        path = tmp_path / f"{name}.db"
        shutil.copy(migrated_template("sqlite").removeprefix("sqlite:///"), path)
        url = f"sqlite:///{path}"
        rt = runtime_for_engine(test_settings(tmp_path, url), make_engine(url))
        made.append(rt)
        return rt

    yield make
    for rt in made:
        rt.close()


@pytest.fixture
def helper() -> Iterator[FetchHelper]:
    """A ready helper of the test's own, restarted at once after a failure."""
    h = FetchHelper()
    h.restart_after = 0.0
    assert h.wait_ready(120.0)
    yield h
    h.close()


def _rss(name: str) -> str:
    items = "".join(
        f"<item><title>{name} {i}</title><link>https://{name}.example/{i}</link>"
        f"<guid>{name}-{i}</guid><description>Warga {name} {i} melapor antrean TPS di "
        f"Kabupaten Bandung pada hari ke-{i}</description></item>"
        for i in range(3)
    )
    channel = f"<channel><title>{name}</title>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'


def _serve(
    server: HTTPServer, rt: Runtime, handler: Callable[[str], Response] | None = None
) -> None:
    with rt.session() as s:
        for name in NAMES:
            if handler is None:
                server.expect_request(f"/{name}").respond_with_data(
                    _rss(name), content_type="text/xml"
                )
            else:
                server.expect_request(f"/{name}").respond_with_handler(
                    partial(_answer, handler, name)
                )
            spec = SourceSpec(name=name, kind="rss", url=server.url_for(f"/{name}"))
            service.add(s, spec, "test", policy=LOCAL)


def _answer(handler: Callable[[str], Response], name: str, _request: Request) -> Response:
    return handler(name)


def _collect(
    rt: Runtime, client: HttpClient, helper: FetchHelper | None
) -> dict[str, service.RunReport]:
    with rt.session() as s:
        claimed = service.claim_due(s, rt.settings, "w", 16)
    assert len(claimed) == len(NAMES)
    return {r.name: r for r in _collect_in_turn(rt, claimed, client, "w", helper)}


def _stored(rt: Runtime) -> list[tuple[object, ...]]:
    with rt.session() as s:
        posts = s.execute(
            select(
                Post.external_id,
                Post.title,
                Post.text,
                Post.language,
                Post.content_hash,
                Post.province_codes,
                Post.cluster_id,
                Post.duplicate_of_id,
            ).order_by(Post.external_id)
        ).all()
        sources = s.execute(select(Source.name, Source.last_success_at.is_not(None))).all()
    return [tuple(p) for p in posts] + sorted(tuple(x) for x in sources)


def _fetched_by(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        getattr(r, "fetched_by", "") for r in caplog.records if r.getMessage() == "source collected"
    ]


def test_the_sources_are_fetched_in_the_helper_and_stored_alike(
    make_rt: Callable[[str], Runtime],
    httpserver: HTTPServer,
    http_client: HttpClient,
    helper: FetchHelper,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with_helper, in_process = make_rt("helper"), make_rt("process")
    _serve(httpserver, with_helper)
    _serve(httpserver, in_process)
    with caplog.at_level(logging.INFO):
        reports = _collect(with_helper, http_client, helper)
    assert _fetched_by(caplog) == ["process", "helper", "helper", "helper"]
    assert all(r.error is None and r.new == 3 for r in reports.values())
    without = _collect(in_process, http_client, None)
    assert [r.new for r in without.values()] == [r.new for r in reports.values()]
    assert _stored(with_helper) == _stored(in_process)
    assert len(_stored(with_helper)) == 3 * len(NAMES) + len(NAMES)


def test_the_helper_fetches_several_sources_at_once_within_the_per_host_limit(
    make_rt: Callable[[str], Runtime], helper: FetchHelper, caplog: pytest.LogCaptureFixture
) -> None:
    rt = make_rt("several")
    lock, active, most = threading.Lock(), [0], [0]

    def slow(name: str) -> Response:
        # A remote site that takes a while: the sources behind it should not wait in line.
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        time.sleep(1.0)
        with lock:
            active[0] -= 1
        return Response(_rss(name), content_type="text/xml")

    server = HTTPServer(threaded=True)
    server.start()
    client = HttpClient(user_agent="t", host_interval=0.0, host_concurrency=2, policy=LOCAL)
    try:
        _serve(server, rt, slow)
        with client, caplog.at_level(logging.INFO):
            reports = _collect(rt, client, helper)
    finally:
        server.clear()
        server.stop()
    assert all(r.error is None and r.new == 3 for r in reports.values()), reports
    assert _fetched_by(caplog) == ["process", "helper", "helper", "helper"]
    # One host: two at once, as its limit says, never more (the helper's fetches share one
    # client); one at a time would have been 1.
    assert most[0] == 2
    assert len(_stored(rt)) == 3 * len(NAMES) + len(NAMES)


def test_a_helper_killed_during_a_fetch_loses_nothing_and_is_started_again(
    make_rt: Callable[[str], Runtime],
    httpserver: HTTPServer,
    http_client: HttpClient,
    helper: FetchHelper,
    caplog: pytest.LogCaptureFixture,
) -> None:
    rt = make_rt("killed")
    first_pid = helper.pid()
    assert first_pid is not None and first_pid != os.getpid()
    asked: list[str] = []

    def answer(name: str) -> Response:
        asked.append(name)
        if name == "bali" and asked.count(name) == 1:
            # The helper is fetching the second source: end it as the OOM killer would.
            os.kill(first_pid, signal.SIGKILL)
            return Response(status=503)  # never read: its reader is gone
        return Response(_rss(name), content_type="text/xml")

    _serve(httpserver, rt, answer)
    with caplog.at_level(logging.INFO):
        reports = _collect(rt, http_client, helper)
    assert asked.count("bali") == 2  # fetched again, here
    assert all(r.error is None and r.new == 3 for r in reports.values()), reports
    # The first source here; the second here after the helper died, and the two after it,
    # in flight in the dead helper, here too.
    by = _fetched_by(caplog)
    assert by == ["process"] * len(NAMES)
    assert any("fetch helper failed" in r.getMessage() for r in caplog.records)
    assert len(_stored(rt)) == 3 * len(NAMES) + len(NAMES)
    assert helper.wait_ready(120.0)
    assert helper.pid() not in (None, first_pid)


def _unsendable(host: str, port: int) -> list[str]:
    return system_resolver(host, port)


def test_a_job_the_helper_cannot_be_sent_is_fetched_in_process(
    make_rt: Callable[[str], Runtime],
    httpserver: HTTPServer,
    helper: FetchHelper,
    caplog: pytest.LogCaptureFixture,
) -> None:
    rt = make_rt("unsendable")
    _serve(httpserver, rt)
    # A resolver that cannot be pickled: the helper cannot build the same guarded client.
    policy = OutboundPolicy.allowing("127.0.0.1", resolver=lambda h, p: _unsendable(h, p))
    client = HttpClient(user_agent="t", host_interval=0.0, policy=policy)
    with client, caplog.at_level(logging.INFO):
        reports = _collect(rt, client, helper)
    assert all(r.error is None and r.new == 3 for r in reports.values())
    assert _fetched_by(caplog) == ["process"] * len(NAMES)
    assert helper.ready()  # a job it was never sent does not end the helper


def test_a_helper_that_fails_to_start_leaves_the_fetches_in_process(
    make_rt: Callable[[str], Runtime],
    httpserver: HTTPServer,
    http_client: HttpClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    rt = make_rt("nostart")
    _serve(httpserver, rt)
    broken = FetchHelper(log_level="NO-SUCH-LEVEL")  # its start-up raises in the helper
    assert not broken.wait_ready(120.0)
    with caplog.at_level(logging.INFO):
        reports = _collect(rt, http_client, broken)
    assert all(r.error is None and r.new == 3 for r in reports.values())
    assert _fetched_by(caplog) == ["process"] * len(NAMES)
    broken.close()


_KILLED_PARENT = """
import os, signal
from monitor.flows.fetch_helper import STAGGER, FetchHelper, Job, _Mark
helper = FetchHelper()
assert helper.wait_ready(120.0)
print(helper.pid(), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


def test_the_helper_ends_when_its_parent_is_killed() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_PARENT],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    pid = int(done.stdout.split()[0])
    for _ in range(600):  # the helper notices at once; the loop only bounds a failure
        if not _running(pid):
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        pytest.fail("the helper outlived its killed parent")


def test_a_fetch_error_crosses_processes_with_its_status_retry_after_and_partial_items() -> None:
    items = [PostIn(platform="news", external_id="a:1", text="Warga antre di TPS")]
    error = FetchError("HTTP 429", status=429, retry_after=30.0, partial=(items, FetchState()))
    back = pickle.loads(pickle.dumps(error))
    assert (back.reason, back.status, back.retry_after) == ("HTTP 429", 429, 30.0)
    assert back.partial is not None and back.partial[0] == items


def test_two_clients_hand_each_other_the_hosts_spacing(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_data("ok")
    first = HttpClient(user_agent="t", host_interval=30.0, policy=LOCAL)
    second = HttpClient(user_agent="t", host_interval=30.0, policy=LOCAL)
    with first, second:
        first.get(httpserver.url_for("/x"))
        times = first.host_times()
        second.keep_spacing(times)
        # The second client now waits as long as the first would before asking that host.
        assert second.host_times() == times and min(times.values()) > time.monotonic() + 20
        assert second.spec == first.spec and pickle.loads(pickle.dumps(second.spec)) == first.spec


def test_a_source_waiting_on_its_site_lets_the_next_one_start_after_the_stagger() -> None:
    mark = _Mark()
    done = threading.Event()

    def wait_on_site() -> None:
        mark.begin()
        done.wait(10.0)  # as a slow site: the thread holds no CPU

    thread = threading.Thread(target=wait_on_site)
    thread.start()
    assert mark.started.wait(10.0)
    assert not mark.waiting() or time.monotonic() - mark.at >= STAGGER  # not before it
    time.sleep(STAGGER + 0.05)
    assert mark.waiting()  # out past the stagger, almost no CPU: the next may start
    done.set()
    thread.join()


def test_a_dead_helpers_job_does_not_end_the_helper_started_after_it(
    make_rt: Callable[[str], Runtime],
    httpserver: HTTPServer,
    http_client: HttpClient,
    helper: FetchHelper,
) -> None:
    rt = make_rt("stale")
    _serve(httpserver, rt)
    with rt.session() as s:
        claimed = service.claim_due(s, rt.settings, "w", 16)
    first = helper.pid()
    assert first is not None
    old = helper.submit(claimed[0], http_client)
    assert old is not None
    os.kill(first, signal.SIGKILL)
    for _ in range(100):  # until the pool has seen its process die and a submit fails
        if helper.submit(claimed[1], http_client) is None:
            break
        time.sleep(0.1)
    assert helper.wait_ready(120.0)
    second = helper.pid()
    assert second not in (None, first)
    # The old job fails (its process is gone) and is fetched here; the new helper stays.
    fetched = helper.take(old, claimed[0], http_client)
    assert fetched.error is None and len(fetched.items) == 3
    assert helper.ready() and helper.pid() == second


class _Refusing(FetchHelper):
    """A helper that takes no job for the sources named (as one not ready yet would)."""

    def __init__(self, refused: set[str]) -> None:
        super().__init__()
        self.refused, self.taken = refused, list[str]()

    def submit(self, claimed: service.Claimed, client: HttpClient) -> Job | None:
        if claimed.name in self.refused:
            return None
        self.taken.append(claimed.name)
        return super().submit(claimed, client)


def test_sources_on_a_site_fetched_here_are_not_handed_to_the_helper_meanwhile(
    make_rt: Callable[[str], Runtime], http_client: HttpClient
) -> None:
    # Two clients on one site would each keep their own per-host limit and spacing.
    rt = make_rt("sites")
    sites = {"aceh": "a.example", "bali": "b.example", "jambi": "a.example", "papua": "c.example"}
    with rt.session() as s:
        for name, host in sites.items():
            spec = SourceSpec(name=name, kind="rss", url=f"http://{host}/{name}")
            service.add(s, spec, "test", policy=LOCAL)
        claimed = service.claim_due(s, rt.settings, "w", 16)
    order = [c.name for c in claimed]
    helper = _Refusing({order[0]})
    try:
        assert helper.wait_ready(120.0)
        jobs: dict[int, Job | None] = {}
        _hand_over(helper, claimed, http_client, jobs, 0)
        # The first is fetched here: the helper gets every source up to the next one on its
        # site, and none after it.
        same = next((k for k in range(1, 4) if sites[order[k]] == sites[order[0]]), 4)
        assert helper.taken == order[1:same]
        for job in jobs.values():
            if job is not None:
                job.drop()
    finally:
        helper.close()
