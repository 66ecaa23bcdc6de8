"""The two Telegram Bot API methods the tipline needs: getUpdates and sendMessage."""

from __future__ import annotations

import json
import logging
import re
from typing import Any

import httpx
from pydantic import SecretStr

from monitor.core.outbound import OutboundPolicy, OutboundRefused
from monitor.core.outbound import client as outbound_client

log = logging.getLogger(__name__)
_TOKEN_IN_URL = re.compile(r"/bot[^/\s]+/")


class _MaskToken(logging.Filter):
    """Mask the bot token in httpx's request log lines (the token is part of every URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/bot" in message:
            record.msg, record.args = _TOKEN_IN_URL.sub("/bot***/", message), None
        return True


logging.getLogger("httpx").addFilter(_MaskToken())


class BotApiError(Exception):
    """The Bot API could not be reached or refused the call (never carries the token)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class BotApi:
    """A Bot API client; the token lives only inside request URLs, which are never logged."""

    def __init__(
        self, base_url: str, token: SecretStr, user_agent: str, policy: OutboundPolicy
    ) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        # Why no follow_redirects: the Bot API never redirects; a redirect is someone else.
        # Through the outbound policy: a Bot API URL pointing inside is refused like a webhook.
        self._client = outbound_client(
            policy, follow_redirects=False, headers={"User-Agent": user_agent}
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def _call(self, method: str, body: dict[str, Any], timeout: float) -> Any:
        url = f"{self._base}/bot{self._token.get_secret_value()}/{method}"
        try:
            resp = self._client.post(url, json=body, timeout=timeout)
        except OutboundRefused:
            raise BotApiError(
                f"{method}: refused by the outbound policy (internal address)"
            ) from None
        except httpx.HTTPError as exc:
            # Why not str(exc): httpx puts the URL, and so the token, in it.
            raise BotApiError(f"{method}: {type(exc).__name__}") from None
        try:
            payload = resp.json()
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
            raise BotApiError(f"{method}: HTTP {resp.status_code}, not JSON") from None
        if not isinstance(payload, dict) or payload.get("ok") is not True:
            params = payload.get("parameters") if isinstance(payload, dict) else None
            wait = params.get("retry_after") if isinstance(params, dict) else None
            retry = float(wait) if isinstance(wait, int | float) and wait >= 0 else None
            raise BotApiError(f"{method}: HTTP {resp.status_code}", retry)
        return payload.get("result")

    def get_updates(self, offset: int | None, timeout: int) -> list[dict[str, Any]]:
        """Long-poll for new messages; `offset` confirms everything before it."""
        body: dict[str, Any] = {"timeout": timeout, "allowed_updates": ["message"]}
        if offset is not None:
            body["offset"] = offset
        result = self._call("getUpdates", body, timeout=timeout + 10.0)
        return [u for u in result if isinstance(u, dict)] if isinstance(result, list) else []

    def send_message(self, chat_id: int, text: str, reply_to: int | None = None) -> None:
        """Answer in the sender's chat (as a reply to their message when given)."""
        body: dict[str, Any] = {
            "chat_id": chat_id,
            "text": text[:4000],
            "disable_web_page_preview": True,
        }
        if reply_to is not None:
            body["reply_parameters"] = {"message_id": reply_to, "allow_sending_without_reply": True}
        self._call("sendMessage", body, timeout=10.0)
