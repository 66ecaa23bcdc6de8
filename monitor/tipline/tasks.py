"""The tipline loop: long-poll getUpdates, store each tip, answer at once."""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from monitor.core.outbound import policy_for
from monitor.core.runtime import Runtime
from monitor.tipline.botapi import BotApi, BotApiError
from monitor.tipline.service import Answer, RateLimiter, handle

log = logging.getLogger(__name__)


def limiter_for(rt: Runtime) -> RateLimiter:
    """Build the per-sender limiter from settings."""
    return RateLimiter(
        rt.settings.tipline_rate_limit, rt.settings.tipline_rate_window.total_seconds()
    )


def poll_once(
    rt: Runtime, bot: BotApi, limiter: RateLimiter, offset: int | None, timeout: int
) -> tuple[int | None, list[Answer]]:
    """Fetch one batch of updates, store and answer each; return the next offset."""
    updates = bot.get_updates(offset, timeout)
    answers: list[Answer] = []
    for update in updates:
        update_id = update.get("update_id")
        if isinstance(update_id, int) and not isinstance(update_id, bool):
            # Confirm even an update that fails below: a poison message must not loop forever.
            offset = max(offset or 0, update_id + 1)
        answer = _handle_one(rt, update, limiter)
        if answer is None:
            continue
        try:
            bot.send_message(answer.chat_id, answer.text, answer.reply_to)
        except BotApiError as exc:
            log.warning("tipline answer not sent", extra={"error": exc.reason, "case": answer.case})
        answers.append(answer)
    return offset, answers


def _handle_one(rt: Runtime, update: dict[str, Any], limiter: RateLimiter) -> Answer | None:
    try:
        with rt.session() as s:
            return handle(s, update, limiter)
    except SQLAlchemyError as exc:
        # The tip is not lost for good: Telegram keeps it 24 h and the citizen can resend.
        log.error("tip not stored", extra={"error": type(exc).__name__})
    except Exception:
        # One odd update must not stop the tipline; its id only (never its text) is logged.
        log.exception("tip handling failed", extra={"update_id": update.get("update_id")})
    return None


def run(rt: Runtime, stop: threading.Event) -> None:
    """Poll until `stop` is set, backing off on Bot API errors."""
    token = rt.settings.tipline_bot_token
    if token is None:
        raise ValueError("WASPADA_TIPLINE_BOT_TOKEN is not set")
    bot = BotApi(
        rt.settings.tipline_api_url, token, rt.settings.user_agent, policy_for(rt.settings)
    )
    limiter = limiter_for(rt)
    offset: int | None = None
    delay = 1.0
    try:
        while not stop.is_set():
            try:
                offset, _ = poll_once(rt, bot, limiter, offset, rt.settings.tipline_poll_timeout)
                delay = 1.0
            except BotApiError as exc:
                wait = max(delay, exc.retry_after or 0.0)
                log.warning("tipline poll failed", extra={"error": exc.reason, "wait": wait})
                stop.wait(min(wait, 300.0))
                delay = min(delay * 2, 300.0)
    finally:
        bot.close()


_stop = threading.Event()


def start_step(rt: Runtime) -> None:
    """`waspada up` step: run the tipline beside the API when a bot token is configured."""
    if rt.settings.tipline_bot_token is None:
        return
    _stop.clear()
    # Daemon: the API's shutdown ends the process; a poll in flight needs no goodbye.
    threading.Thread(target=run, args=(rt, _stop), name="tipline", daemon=True).start()
    log.info("tipline started")


def stop() -> None:
    """Ask a running tipline loop to finish after its current poll."""
    _stop.set()
