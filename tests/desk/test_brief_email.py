"""The weekly brief by e-mail: due once per region and period, PDF attached, scoped (issue 14)."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from monitor.alerts import subscriptions
from monitor.alerts.models import Subscription
from monitor.cli.main import app
from monitor.core.base import utcnow
from monitor.core.db import make_engine
from monitor.core.localtime import ZONES
from monitor.core.outbound import OutboundPolicy
from monitor.core.runtime import Runtime, runtime_for_engine
from monitor.core.settings import load_settings
from monitor.desk.brief import mailing
from monitor.desk.brief.models import BriefSend
from monitor.desk.brief.tasks import brief_job
from monitor.keys import service as keys
from monitor.keys.service import principal_of
from monitor.scheduler.jobs import default_jobs
from tests.alerts.conftest import Mailbox
from tests.alerts.seed import hot_jambi
from tests.support.processes import free_port

# One regions load per session (tests/conftest.py::regions_engine), not one per test.
pytestmark = pytest.mark.regions

LOCAL = OutboundPolicy.allowing("127.0.0.1")


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1, as in the alert tests."""
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def mail_rt(fresh_db_url: str, mailbox: Mailbox, tmp_path: Path) -> Iterator[Runtime]:
    """A committed database, SMTP on 127.0.0.1, and the brief due this very hour (WIB)."""
    here = utcnow().astimezone(ZONES["WIB"])
    settings = load_settings(
        data_dir=tmp_path / "d",
        database_url=fresh_db_url,
        smtp_url=f"smtp://127.0.0.1:{mailbox.port}",
        outbound_allow="127.0.0.1",
        brief_weekday=here.weekday(),
        brief_hour=here.hour,
    )
    rt = runtime_for_engine(settings, make_engine(fresh_db_url))
    yield rt
    rt.close()


def _subscribe(rt: Runtime, regions: tuple[str, ...]) -> int:
    with rt.session() as s:
        hot_jambi(s, confirmed=3)  # the burst sits in the hour before this one: in the period
        key, _ = keys.create_key(s, "bawaslu-jambi", "liaison", ["15"])
        sub, _ = subscriptions.create(
            s,
            principal_of(key),
            subscriptions.SubscriptionRequest(
                name="Bawaslu Jambi",
                channel="email",
                target="bawaslu.jambi@example.id",
                region_codes=regions,
                rules=(subscriptions.BRIEF_RULE,),
            ),
            policy=LOCAL,
        )
        return sub.id


def _pdf_of(msg: Message) -> tuple[str, str]:
    parts = [p for p in msg.walk() if p.get_content_type() == "application/pdf"]
    assert len(parts) == 1, [p.get_content_type() for p in msg.walk()]
    data = parts[0].get_payload(decode=True)
    assert isinstance(data, bytes) and data.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return str(parts[0].get_filename()), text


def test_brief_arrives_once_with_its_pdf_even_with_two_schedulers(
    mail_rt: Runtime, mailbox: Mailbox
) -> None:
    sub_id = _subscribe(mail_rt, ("15.07",))
    # Two schedulers wake at the same moment: the unique claim lets exactly one send.
    results: list[int] = []
    start = threading.Barrier(2)

    def run() -> None:
        start.wait()
        results.append(brief_job(mail_rt))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert sorted(results) == [0, 1]
    [(rcpt, msg)] = mailbox.messages
    assert rcpt == ["bawaslu.jambi@example.id"]
    subject = str(make_header(decode_header(msg["Subject"]))).replace("\r\n", "")
    assert subject.startswith("[Waspada] Laporan deteksi dini · Kabupaten Tanjung Jabung Timur")
    assert subject.endswith(" WIB")
    filename, text = _pdf_of(msg)
    assert filename.startswith("laporan-deteksi-dini-15.07-") and filename.endswith(".pdf")
    assert "Tanjung Jabung Timur" in text and "WIB" in text
    body = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
    assert f"waspada alerts unsubscribe {sub_id}" in str(body.get_payload(decode=True), "utf-8")

    # A later run in the same period sends nothing.
    assert brief_job(mail_rt) == 0
    assert len(mailbox.messages) == 1
    with mail_rt.session() as s:
        rows = list(s.scalars(select(BriefSend)))
    assert [(r.region_code, r.status, r.attempts) for r in rows] == [("15.07", "sent", 1)]
    assert rows[0].period_end - rows[0].period_start == timedelta(days=7)


def test_a_claim_is_unique_per_subscription_region_and_period(mail_rt: Runtime) -> None:
    _subscribe(mail_rt, ("15",))
    now = utcnow()
    with mail_rt.session() as s:
        [due] = mailing.due(s, mail_rt.settings, now)
    with mail_rt.session() as s:
        assert mailing.claim(s, due, now)
    with pytest.raises(IntegrityError), mail_rt.session() as s:
        mailing.claim(s, due, now)
    with mail_rt.session() as s:
        assert mailing.due(s, mail_rt.settings, now) == []  # claimed: not due for anyone


def test_a_failed_send_is_retried_and_a_narrowed_key_gets_nothing(
    mail_rt: Runtime, mailbox: Mailbox, tmp_path: Path
) -> None:
    _subscribe(mail_rt, ("15",))
    # The SMTP server is down (a closed port): the claim records the failure, nothing is lost.
    down = Runtime(
        settings=mail_rt.settings.model_copy(update={"smtp_url": None}),
        engine=mail_rt.engine,
        factory=mail_rt.factory,
    )
    assert brief_job(down) == 0
    with mail_rt.session() as s:
        row = s.scalars(select(BriefSend)).one()
        assert (row.status, row.attempts) == ("failed", 1)
        assert "WASPADA_SMTP_URL" in (row.last_error or "")
    assert brief_job(mail_rt) == 1 and len(mailbox.messages) == 1
    # The owner's key is moved to Jakarta: next week's Jambi brief is not sent to it.
    with mail_rt.session() as s:
        sub = s.scalars(select(Subscription)).one()
        key = s.get(keys.ApiKey, sub.key_id)
        assert key is not None
        key.regions = ["31"]
    later = utcnow() + timedelta(days=7)
    with mail_rt.session() as s:
        assert mailing.due(s, mail_rt.settings, later) == []


def test_a_claim_abandoned_mid_send_is_sent_later_once(mail_rt: Runtime, mailbox: Mailbox) -> None:
    _subscribe(mail_rt, ("15",))
    now = utcnow()
    with mail_rt.session() as s:
        (brief,) = mailing.due(s, mail_rt.settings, now)
        assert mailing.claim(s, brief, now)  # a scheduler claims it, then dies before finish
    with mail_rt.session() as s:
        # Within the lease the claim is someone else's send in progress: not due.
        assert mailing.due(s, mail_rt.settings, now + timedelta(minutes=5)) == []
        later = now + mailing.CLAIM_LEASE + timedelta(seconds=1)
        (again,) = mailing.due(s, mail_rt.settings, later)
        assert (again.key, again.attempts, again.status) == (brief.key, 1, "sending")
        assert mailing.claim(s, again, later)
        assert not mailing.claim(s, again, later)  # a second scheduler with the same read loses
    with mail_rt.session() as s:
        row = s.scalars(select(BriefSend)).one()
        assert (row.status, row.attempts) == ("sending", 2)
        row.attempts = mailing.MAX_ATTEMPTS
    with mail_rt.session() as s:
        # Abandoned too often: left for an operator (the row shows it), not retried forever.
        far = now + 3 * mailing.CLAIM_LEASE
        assert mailing.due(s, mail_rt.settings, far) == []
    assert mailbox.messages == []


@pytest.mark.parametrize(
    ("regions", "channel", "error"),
    [
        (("31",), "email", "outside this key's scope"),
        (("15.07.01",), "email", "not a province or kabupaten/kota"),
        ((), "email", "a region-scoped key must name"),
        (("15",), "webhook", "sent by email only"),
    ],
)
def test_brief_subscriptions_are_scoped_and_checked(
    rt: Runtime, regions: tuple[str, ...], channel: str, error: str
) -> None:
    with rt.session() as s:
        key, _ = keys.create_key(s, "liaison-jambi", "liaison", ["15"])
        req = subscriptions.SubscriptionRequest(
            name="x",
            channel=channel,
            target="https://hooks.example.id/x" if channel == "webhook" else "a@example.id",
            region_codes=regions,
            rules=(subscriptions.BRIEF_RULE,),
        )
        with pytest.raises(subscriptions.SubscriptionError, match=error):
            subscriptions.create(s, principal_of(key), req, policy=LOCAL)


def test_cli_subscribes_to_the_brief(mail_rt: Runtime) -> None:
    with mail_rt.session() as s:
        key, _ = keys.create_key(s, "liaison-jambi", "liaison", ["15"])
        key_id = key.id
    env = {"WASPADA_DATABASE_URL": mail_rt.settings.db_url,
           "WASPADA_DATA_DIR": str(mail_rt.settings.data_dir)}  # fmt: skip
    runner = CliRunner()
    base = ["alerts", "subscribe", "--name", "Kesbangpol Jambi", "--channel", "email"]
    ok = [*base, "--target", "kesbangpol@example.id", "--region", "15", "--brief"]
    res = runner.invoke(app, [*ok, "--key-id", str(key_id)], env=env)
    assert res.exit_code == 0, res.output
    with mail_rt.session() as s:
        sub = s.scalars(select(Subscription)).one()
        assert (sub.rules, sub.region_codes, sub.key_id) == (["weekly_brief"], ["15"], key_id)
    # Outside the key's scope, or mixed with alert rules: one clear line, exit 2.
    res = runner.invoke(
        app, [*base, "--target", "k@example.id", "--region", "31", "--brief", "--key-id",
              str(key_id)], env=env,
    )  # fmt: skip
    assert res.exit_code == 2 and "di luar cakupan kunci ini" in res.output
    res = runner.invoke(app, [*ok, "--rule", "volume_spike"], env=env)
    assert res.exit_code == 2 and "--brief takes no --rule" in res.output


def test_the_scheduler_runs_the_brief_job(rt: Runtime) -> None:
    jobs = {job.name: job for job in default_jobs(rt)}
    assert jobs["brief-email"].body is brief_job
    assert jobs["brief-email"].seconds == rt.settings.brief_interval.total_seconds() == 600
