"""`waspada alerts ...` end to end on a committed database, delivering to 127.0.0.1."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result
from werkzeug import Request, Response

from monitor.cli.main import app
from monitor.core.db import make_engine
from monitor.core.runtime import Runtime, runtime_for_engine
from monitor.core.settings import load_settings
from monitor.keys import service as keys
from tests.alerts.conftest import BOT_TOKEN, LOCAL, Receivers
from tests.alerts.seed import burst, load, past_now

# One regions load per session (tests/conftest.py::regions_engine), not one per test.
pytestmark = pytest.mark.regions


@pytest.fixture
def committed(fresh_db_url: str, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime on a fresh, committed database."""
    engine = make_engine(fresh_db_url)
    rt = runtime_for_engine(
        load_settings(data_dir=tmp_path / "d", database_url=fresh_db_url), engine
    )
    yield rt
    rt.close()


def _env(rt: Runtime, receivers: Receivers) -> dict[str, str]:
    return {
        "WASPADA_DATABASE_URL": rt.settings.db_url,
        "WASPADA_DATA_DIR": str(rt.settings.data_dir),
        "WASPADA_TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "WASPADA_TELEGRAM_API_URL": receivers.telegram_base,
        "WASPADA_LOG_LEVEL": "DEBUG",
    }


def test_alerts_commands_end_to_end(committed: Runtime, receivers: Receivers) -> None:
    now = past_now()
    with committed.session() as s:
        load(s)
        burst(s, now)
        key, _ = keys.create_key(s, "liaison-15", "liaison", ["15"])
        key_id = key.id
    env = _env(committed, receivers)
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> Result:
        res = runner.invoke(app, ["alerts", *args], env=env)
        assert res.exit_code == code, (args, res.output)
        assert BOT_TOKEN not in res.output
        return res

    hook = receivers.url("/hook")
    res = run(
        "subscribe",
        "--name",
        "Jambi ops",
        "--channel",
        "webhook",
        "--target",
        hook,
        "--region",
        "15",
    )
    sub_id = int(re.search(r"subscription (\d+) created", res.stdout).group(1))  # type: ignore[union-attr]
    secret = re.search(r"webhook secret \(shown once\): (\S+)", res.stdout).group(1)  # type: ignore[union-attr]
    receivers.webhook("/hook", secret)
    receivers.telegram()
    run(
        "subscribe",
        "--name",
        "Liaison Jambi",
        "--channel",
        "telegram",
        "--target",
        "-1001500700",
        "--region",
        "15",
        "--key-id",
        str(key_id),
    )
    bad = run(
        "subscribe",
        "--name",
        "x",
        "--channel",
        "telegram",
        "--target",
        "-1",
        "--region",
        "31",
        "--key-id",
        str(key_id),
        code=2,
    )
    assert "wilayah 31 di luar cakupan kunci ini" in bad.stderr
    assert (
        "no active API key"
        in run(
            "subscribe",
            "--name",
            "x",
            "--channel",
            "email",
            "--target",
            "a@b.org",
            "--key-id",
            "999",
            code=2,
        ).stderr
    )
    assert (
        "kode wilayah '99.99' tidak dikenal"
        in run(
            "subscribe",
            "--name",
            "x",
            "--channel",
            "email",
            "--target",
            "a@b.org",
            "--region",
            "99.99",
            code=2,
        ).stderr
    )

    at = now.isoformat()
    out = run("evaluate", "--at", at).stdout
    assert "alerts raised: 1, merged into existing: 0, deliveries queued: 2" in out
    assert run("deliver").stdout.strip() == "sent: 2, retry later: 0, dead: 0"
    assert len(receivers.at("/hook")) == 1 and receivers.at("/hook")[0].signature_ok
    assert [c.body["chat_id"] for c in receivers.at("telegram")] == ["-1001500700"]
    # Again: the same window merges, nothing more is sent.
    assert (
        "alerts raised: 0, merged into existing: 1, deliveries queued: 0"
        in run("evaluate", "--at", at).stdout
    )
    assert run("deliver").stdout.strip() == "sent: 0, retry later: 0, dead: 0"
    assert len(receivers.calls) == 2

    [alert] = [json.loads(line) for line in run("list").stdout.splitlines()]
    assert (alert["region_code"], alert["label"], alert["status"]) == (
        "15.07",
        "money_politics",
        "open",
    )
    assert run("list", "--region", "31").stdout == ""
    sent = [json.loads(x) for x in run("deliveries", "--status", "sent").stdout.splitlines()]
    assert len(sent) == 2 and all(d["attempts"] == 1 for d in sent)
    subs = [json.loads(x) for x in run("list", "--subscriptions").stdout.splitlines()]
    assert len(subs) == 2 and secret not in json.dumps(subs)

    assert run("ack", str(alert["id"])).stdout.strip() == f"alert {alert['id']} acknowledged"
    assert "tidak terbuka" in run("ack", str(alert["id"]), code=1).stderr
    assert run("resolve", str(alert["id"])).stdout.strip() == f"alert {alert['id']} resolved"
    assert "Peringatan 424242 tidak ada" in run("resolve", "424242", code=1).stderr

    assert run("unsubscribe", str(sub_id)).stdout.strip() == f"subscription {sub_id} deleted"
    assert "no subscription" in run("unsubscribe", str(sub_id), code=1).stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["evaluate", "--at", "2026-01-01T00:00:00"], "needs a timezone"),
        (["evaluate", "--at", "yesterday"], "not an ISO 8601 time"),
        (["list", "--status", "closed"], "--status must be one of"),
        (["deliveries", "--status", "lost"], "--status must be"),
    ],
)
def test_bad_arguments_are_clear_errors(tmp_path: Path, args: list[str], message: str) -> None:
    # Refused before any database is opened: the URL points at nothing.
    env = {
        "WASPADA_DATA_DIR": str(tmp_path),
        "WASPADA_DATABASE_URL": "sqlite:///" + str(tmp_path / "absent" / "x.db"),
    }
    res = CliRunner().invoke(app, ["alerts", *args], env=env)
    assert res.exit_code == 2 and message in res.stderr


def test_bench_alerts_prints_its_figures(fresh_db_url: str) -> None:
    res = CliRunner().invoke(
        app,
        ["bench", "alerts", "--posts", "300", "--subscribers", "3", "--database-url", fresh_db_url],
    )
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "seeded 320 flagged posts" in out
    assert "first pass" in out and "raised 1, merged 0, deliveries queued 3" in out
    assert "repeat (dedup)" in out and "raised 0, merged 1, deliveries queued 0" in out
    assert "delivered 3 signed webhooks" in out


def test_unsubscribing_while_a_send_is_in_flight_loses_nothing_else(
    committed: Runtime, receivers: Receivers
) -> None:
    from sqlalchemy import delete

    from monitor.alerts import repository, service, subscriptions
    from monitor.alerts.delivery import deliver_pending
    from monitor.alerts.models import Subscription
    from monitor.keys.principal import SYSTEM
    from tests.alerts.conftest import SECRET_15

    other = make_engine(committed.settings.db_url)
    ids: dict[str, int] = {}

    def unsubscribe_then_answer(req: Request) -> Response:
        # The receiver's owner deletes the subscription while Waspada waits for the answer.
        with other.begin() as conn:
            conn.execute(delete(Subscription).where(Subscription.id == ids["gone"]))
        return Response("ok")

    receivers.server.expect_request("/gone", method="POST").respond_with_handler(
        unsubscribe_then_answer
    )
    receivers.webhook("/stays", SECRET_15)
    now = past_now()
    with committed.session() as s:
        load(s)
        burst(s, now)
        for name in ("gone", "stays"):
            req = subscriptions.SubscriptionRequest(
                name=name,
                channel="webhook",
                target=receivers.url(f"/{name}"),
                region_codes=("15",),
                secret=SECRET_15,
            )
            ids[name] = subscriptions.create(s, SYSTEM, req, policy=LOCAL)[0].id
        assert service.evaluate(s, now).deliveries == 2
    result = deliver_pending(committed, now=now)
    other.dispose()
    assert result.sent == 1  # the surviving one; the deleted row is not an error
    with committed.session() as s:
        rows = repository.deliveries(s)
    assert [(d.subscription_id, d.status) for d in rows] == [(ids["stays"], "sent")]
