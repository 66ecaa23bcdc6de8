"""`waspada tipline run`: the citizen tipline bot (Telegram long polling)."""

from __future__ import annotations

import signal
import threading

import typer

from monitor.cli.common import fail, runtime, settings_or_exit
from monitor.tipline import tasks

app = typer.Typer(help="Citizen tipline: a Telegram bot that takes tips.", no_args_is_help=True)


@app.command("run")
def run_command() -> None:
    """Answer tips until stopped (needs WASPADA_TIPLINE_BOT_TOKEN)."""
    settings = settings_or_exit()
    if settings.tipline_bot_token is None:
        raise fail("WASPADA_TIPLINE_BOT_TOKEN is not set (the token @BotFather gave you)", 2)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with runtime(settings) as rt:
        typer.echo("tipline: polling Telegram for tips (Ctrl-C to stop)", err=True)
        tasks.run(rt, stop)
