"""Alert channels: signed webhook, Telegram Bot API sendMessage, email over SMTP."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx

from monitor.core.logging import redact
from monitor.core.outbound import OutboundPolicy, OutboundRefused, policy_for
from monitor.core.outbound import client as outbound_client
from monitor.core.settings import Settings

CHANNELS: tuple[str, ...] = ("webhook", "telegram", "email")
SIGNATURE_HEADER = "X-Waspada-Signature"
TIMESTAMP_HEADER = "X-Waspada-Timestamp"
# Why short: a receiver that hangs must not hold up the scheduler's delivery batch.
SEND_TIMEOUT = 5.0


class _MaskBotToken(logging.Filter):
    """Mask the Telegram token in httpx's request log lines (the token is part of the URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/bot" in message:
            # Why here and not only in our formatter: any handler (uvicorn's, a log shipper)
            # sees the raw record, and httpx logs every request URL at INFO.
            record.msg, record.args = redact(message), None
        return True


logging.getLogger("httpx").addFilter(_MaskBotToken())


class DeliveryError(Exception):
    """A send failed; the message is safe to store and log (no secrets)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        # Seconds the receiver asked us to wait (HTTP 429/503 Retry-After, Telegram's
        # parameters.retry_after); the outbox waits at least that long.
        self.retry_after = retry_after


@dataclass(frozen=True)
class Attachment:
    """A file sent with an e-mail (the weekly brief's PDF)."""

    filename: str
    media_type: str  # e.g. application/pdf
    content: bytes


@dataclass(frozen=True)
class Message:
    """What is sent: a JSON payload, and a short text for chat and email."""

    payload: dict[str, Any]
    text: str
    subject: str
    attachments: tuple[Attachment, ...] = ()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Return the webhook signature: hex HMAC-SHA256 over `timestamp.body`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    tolerance: float | None = None,
    now: float | None = None,
) -> bool:
    """Check a webhook signature in constant time; with `tolerance`, refuse stale timestamps.

    Receivers should pass a tolerance (e.g. 300 seconds) so a captured request cannot be
    replayed later; the timestamp is inside the signed bytes, so it cannot be altered.
    """
    if tolerance is not None:
        try:
            sent = int(timestamp)
        except ValueError:
            return False
        if abs((time.time() if now is None else now) - sent) > tolerance:
            return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def send_webhook(
    url: str, secret: str | None, msg: Message, settings: Settings, timeout: float = SEND_TIMEOUT
) -> None:
    """POST the alert as JSON with a timestamped HMAC-SHA256 signature header."""
    if not secret:
        raise DeliveryError("webhook subscription has no signing secret")
    body = json.dumps(msg.payload, ensure_ascii=False, sort_keys=True).encode()
    ts = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": settings.user_agent,
        TIMESTAMP_HEADER: ts,
        SIGNATURE_HEADER: sign(secret, ts, body),
    }
    _post(
        url,
        content=body,
        headers=headers,
        what="webhook",
        timeout=timeout,
        policy=policy_for(settings),
    )


def send_telegram(
    chat_id: str, msg: Message, settings: Settings, timeout: float = SEND_TIMEOUT
) -> None:
    """Send the alert text with the Telegram Bot API `sendMessage` method."""
    if settings.telegram_bot_token is None:
        raise DeliveryError("WASPADA_TELEGRAM_BOT_TOKEN is not set")
    token = settings.telegram_bot_token.get_secret_value()
    url = f"{settings.telegram_api_url.rstrip('/')}/bot{token}/sendMessage"
    body = {"chat_id": chat_id, "text": msg.text[:4000], "disable_web_page_preview": True}
    headers = {"User-Agent": settings.user_agent}
    _post(
        url,
        json_body=body,
        headers=headers,
        what="telegram",
        timeout=timeout,
        policy=policy_for(settings),
    )


@functools.cache
def _tls() -> ssl.SSLContext:
    """One verifying TLS context for all sends (building one per client costs ~80 ms)."""
    return ssl.create_default_context()


def _post(
    url: str,
    *,
    what: str,
    headers: dict[str, str],
    timeout: float,
    policy: OutboundPolicy,
    content: bytes | None = None,
    json_body: dict[str, Any] | None = None,
) -> None:
    try:
        with outbound_client(
            policy, ssl_context=_tls(), timeout=timeout, follow_redirects=False
        ) as client:
            resp = client.post(url, content=content, json=json_body, headers=headers)
    except httpx.InvalidURL:
        raise DeliveryError(f"{what}: invalid URL") from None
    except OutboundRefused:
        # Why not the refusal's text: for Telegram the host part sits next to the token.
        raise DeliveryError(f"{what}: refused by the outbound policy (internal address)") from None
    except httpx.HTTPError as exc:
        # Why not str(exc): httpx puts the URL in it, and the Telegram URL holds the token.
        raise DeliveryError(f"{what}: {type(exc).__name__}") from None
    if not 200 <= resp.status_code < 300:
        raise DeliveryError(f"{what}: HTTP {resp.status_code}", _retry_after(resp))


# Why a cap: a hostile or broken receiver must not park a delivery for days.
MAX_RETRY_AFTER = 3600.0


def _retry_after(resp: httpx.Response) -> float | None:
    """Read how long the receiver asked us to wait, in seconds (None when it did not say)."""
    if resp.status_code not in (429, 503):
        return None
    wait: float | None = None
    header = resp.headers.get("Retry-After", "").strip()
    if header.isdigit():
        wait = float(header)
    else:
        try:
            body = resp.json()
        except ValueError:
            body = None
        # The Telegram Bot API answers 429 with {"parameters": {"retry_after": N}}.
        params = body.get("parameters") if isinstance(body, dict) else None
        value = params.get("retry_after") if isinstance(params, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            wait = float(value)
    return None if wait is None else min(wait, MAX_RETRY_AFTER)


def send_email(
    address: str, msg: Message, settings: Settings, timeout: float = SEND_TIMEOUT
) -> None:
    """Send the alert by SMTP to `address` (smtp:// with STARTTLS if offered, smtps://)."""
    if settings.smtp_url is None:
        raise DeliveryError("WASPADA_SMTP_URL is not set")
    parts = urlsplit(settings.smtp_url.get_secret_value())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise DeliveryError("WASPADA_SMTP_URL must look like smtp://user:pass@host:port")
    email = EmailMessage()
    email["From"] = settings.smtp_from
    email["To"] = address
    email["Subject"] = msg.subject
    email.set_content(msg.text)
    for item in msg.attachments:
        maintype, _, subtype = item.media_type.partition("/")
        email.add_attachment(
            item.content, maintype=maintype, subtype=subtype, filename=item.filename
        )
    policy = policy_for(settings)
    try:
        if parts.scheme == "smtps":
            client: smtplib.SMTP = _PinnedSMTPS(
                policy, parts.hostname, parts.port or 465, timeout=timeout, context=_tls()
            )
        else:
            client = _PinnedSMTP(policy, parts.hostname, parts.port or 25, timeout=timeout)
        with client:
            client.ehlo()
            if parts.scheme == "smtp" and client.has_extn("starttls"):
                client.starttls(context=_tls())
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(email)
    except OutboundRefused:
        raise DeliveryError("email: refused by the outbound policy (internal address)") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"email: {type(exc).__name__}") from None


class _PinnedSMTP(smtplib.SMTP):
    """SMTP whose connection goes to an address the outbound policy vetted."""

    def __init__(self, policy: OutboundPolicy, *args: Any, **kwargs: Any) -> None:
        self._policy = policy
        super().__init__(*args, **kwargs)

    def _get_socket(self, host: str, port: int, timeout: float) -> Any:
        # Why here: smtplib resolves and connects in this one method; STARTTLS and SMTPS
        # still verify the certificate against the configured name (self._host).
        return self._policy.connect(host, port, timeout)


class _PinnedSMTPS(smtplib.SMTP_SSL, _PinnedSMTP):
    """SMTPS (implicit TLS) over a vetted connection."""

    def __init__(self, policy: OutboundPolicy, *args: Any, **kwargs: Any) -> None:
        self._policy = policy
        smtplib.SMTP_SSL.__init__(self, *args, **kwargs)


def send(
    channel: str,
    target: str,
    secret: str | None,
    msg: Message,
    settings: Settings,
    timeout: float = SEND_TIMEOUT,
) -> None:
    """Send one message through a channel; raise DeliveryError on failure."""
    if channel == "webhook":
        send_webhook(target, secret, msg, settings, timeout)
    elif channel == "telegram":
        send_telegram(target, msg, settings, timeout)
    elif channel == "email":
        send_email(target, msg, settings, timeout)
    else:
        raise DeliveryError(f"unknown channel {channel!r}")
