"""The one place that reads WASPADA_* environment variables."""

from __future__ import annotations

import functools
from datetime import timedelta
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from monitor.core.allowlist import parse_allow

ENV_PREFIX = "WASPADA_"


class SettingsError(ValueError):
    """Raised when an environment variable holds an invalid value; names the variable."""


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("waspada", appauthor=False))


class Settings(BaseSettings):
    """Typed runtime configuration, built once per process."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Database, models, datasets and generated secrets live here",
        json_schema_extra={"shown_default": "per-user data dir (`~/.local/share/waspada`)"},
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; `postgresql+psycopg://user:pass@host/db` to scale out",
        json_schema_extra={"shown_default": "`sqlite:///<data dir>/waspada.db`"},
    )
    read_database_url: str | None = Field(
        default=None,
        description="A read replica for exports and region figures (default: the main database)",
    )
    api_host: str = Field(default="127.0.0.1", description="Address the API and pages listen on")
    api_port: int = Field(default=8000, ge=1, le=65535, description="Port of the API and pages")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Lowest level logged (case does not matter)"
    )
    log_format: Literal["kv", "json"] = Field(
        default="kv", description="`kv` (key=value) or `json` log lines"
    )
    sources_file: Path | None = Field(
        default=None,
        description="TOML sources file loaded by `waspada up`",
        json_schema_extra={"shown_default": "the shipped `monitor/sources/default_sources.toml`"},
    )
    db_wait: timedelta = Field(
        default=timedelta(seconds=30), description="How long start-up retries an unreachable DB"
    )
    sqlite_busy_timeout: timedelta = Field(
        default=timedelta(seconds=30),
        description="How long a SQLite writer waits for another process's write lock",
    )
    session_secret: SecretStr | None = Field(
        default=None,
        description="Signs review-page session cookies",
        json_schema_extra={"shown_default": "generated in the data dir"},
    )
    web_session_ttl: timedelta = Field(
        default=timedelta(hours=8), description="How long a review-page login lasts"
    )
    user_agent: str = Field(
        default="Waspada/0.1 (+https://github.com/waspada; election early-detection monitor)",
        description="Sent with every collector and dataset request; name your deployment",
    )
    http_timeout: float = Field(
        default=20.0, gt=0, description="Seconds per response, first to last byte"
    )
    http_max_bytes: int = Field(
        default=10 * 1024 * 1024, gt=0, description="Largest response body read; larger is refused"
    )
    scheduler_tick: timedelta = Field(
        default=timedelta(seconds=30),
        description="How often the scheduler looks for due sources and unscored posts",
    )
    # Collectors (issue 4): politeness, backoff and scoring batch sizes.
    http_host_concurrency: int = Field(
        default=2, ge=1, description="Parallel requests per host per process"
    )
    http_host_interval: float = Field(
        default=1.0, ge=0, description="Seconds between two requests to one host"
    )
    source_max_failures: int = Field(
        default=10, ge=1, description="Consecutive failures before a source is system-disabled"
    )
    source_max_backoff: timedelta = Field(
        default=timedelta(hours=6),
        description="Longest wait after failures (a Retry-After of up to a day wins)",
    )
    collect_batch: int = Field(
        default=8, ge=1, description="Sources one process leases per scheduler tick"
    )
    collect_helper: bool = Field(
        default=True,
        description=(
            "Fetch and prepare the next sources (up to 4 at once) in a helper process while "
            "one is stored (off: one at a time in the scheduler's own process)"
        ),
    )
    score_batch: int = Field(default=512, ge=1, description="Posts classified per batch")
    alerts_interval: timedelta = Field(
        default=timedelta(seconds=60),
        description="How often the alert rules run (once per period across all schedulers)",
    )
    scheduler_score: bool = Field(
        default=True,
        description="Whether `waspada up`/`scheduler` also score posts; false where "
        "dedicated `waspada worker score` processes do",
    )
    rescore_window: timedelta = Field(
        default=timedelta(days=7), description="How far back a model promotion re-scores posts"
    )
    heartbeat_max_age: timedelta = Field(
        default=timedelta(seconds=120),
        description="`/readyz` fails when the scheduler's heartbeat is older",
    )
    claim_lease: timedelta = Field(
        default=timedelta(minutes=15),
        description="How long a reviewer's claim, or a scheduler's lease on a source, lasts",
    )
    score_lease: timedelta = Field(
        default=timedelta(minutes=2),
        description="How long a scoring worker holds a batch of posts; a killed worker's "
        "batch is scored by another after this",
    )
    api_workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="API worker processes (`waspada api`/`up`); more than 1 needs PostgreSQL",
    )
    api_threads: int = Field(
        default=8,
        ge=1,
        le=200,
        description="Worker threads per API process for database work; keep it at most the "
        "pool size (10) so a burst queues for a thread instead of opening new connections",
    )
    api_statement_timeout: timedelta = Field(
        default=timedelta(seconds=30),
        description="Longest one SQL statement of an API request may run on PostgreSQL "
        "(0: no limit); a client that gave up no longer leaves its query running",
    )
    classify_workers: int = Field(
        default=0,
        ge=0,
        le=64,
        description="Processes `waspada classify` scores with (0: one per CPU; inputs under "
        "three batches of 512 lines always use one)",
    )
    api_rate_limit: float = Field(
        default=20.0, gt=0, description="Requests per second per API key (token bucket)"
    )
    api_rate_burst: int = Field(
        default=60, ge=1, description="Requests a key may burst before `429`"
    )
    target_precision: float = Field(
        default=0.8, gt=0, lt=1, description="Validation precision each label's threshold targets"
    )
    factcheck_rematch_window: timedelta = Field(
        default=timedelta(days=14),
        description="How far back a newly imported debunk is matched against scored posts",
    )
    # Failed authentications (issue 13): counted per client address and per key prefix
    # before any hashing; a bucket of `burst` tries refilled at `rate` per second.
    auth_failure_rate: float = Field(default=0.1, gt=0, description="Failed tries/s regained")
    auth_failure_burst: int = Field(default=20, ge=1, description="Failed tries before 429")
    http_header_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a client has to send a request's headers"
    )
    # Why 65 s: the server must keep an idle connection longer than any client or proxy in
    # front of it does (httpx 5 s, aiohttp 15 s, nginx upstream 60 s); with equal deadlines a
    # request sent on a connection the server is closing is lost (docs/security.md).
    http_keep_alive_timeout: int = Field(
        default=65,
        ge=1,
        description="Seconds an idle keep-alive connection stays open (longer than clients')",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated proxy addresses whose X-Forwarded-For/-Proto is believed",
    )
    # Audit trail (issue 13): the HMAC key lives outside the database.
    audit_key: SecretStr | None = Field(
        default=None, description="Audit HMAC key; generated in <data dir>/audit.key if unset"
    )
    audit_checkpoint_file: Path | None = Field(
        default=None, description="Signed checkpoints; default <data dir>/audit-checkpoints.jsonl"
    )
    audit_checkpoint_url: str | None = Field(
        default=None, description="Optional https URL that receives each signed checkpoint"
    )
    secrets_key: SecretStr | None = Field(
        default=None, description="Encrypts webhook secrets at rest; else <data dir>/secrets.key"
    )
    audit_checkpoint_interval: timedelta = Field(
        default=timedelta(hours=1), description="How often the scheduler writes a checkpoint"
    )
    # Researchers' loop (issue 8): promotion guard and drift watch.
    promotion_max_precision_drop: float = Field(
        default=0.02,
        ge=0,
        lt=1,
        description="Largest per-label precision drop a promotion may cause",
    )
    drift_psi_bound: float = Field(
        default=0.25,
        gt=0,
        description="PSI of a label's scores vs validation that counts as shifted",
    )
    drift_flag_rate_bound: float = Field(
        default=0.10, gt=0, le=1, description="Absolute flag-rate change that counts as shifted"
    )
    drift_min_posts: int = Field(
        default=100, ge=1, description="Fewest scored posts in the window for drift to be judged"
    )
    drift_window: timedelta = Field(
        default=timedelta(days=1), description="The window compared with validation"
    )
    drift_interval: timedelta = Field(
        default=timedelta(hours=1), description="How often the drift watch job runs"
    )
    telegram_bot_token: SecretStr | None = Field(
        default=None, description="Bot token for Telegram alerts (a secret; never logged)"
    )
    telegram_api_url: str = Field(
        default="https://api.telegram.org",
        description="Telegram Bot API base URL (a local Bot API server, or a test stand-in)",
    )
    smtp_url: SecretStr | None = Field(
        default=None,
        description="`smtp://user:pass@host:587` (STARTTLS if offered) or `smtps://...:465`",
    )
    smtp_from: str = Field(default="waspada@localhost", description="Sender of alert e-mails")
    # The weekly early-warning brief by e-mail (issue 14), to `weekly_brief` subscriptions.
    brief_weekday: int = Field(
        default=0,
        ge=0,
        le=6,
        description="Weekday the brief e-mail goes out (0 Monday ... 6 Sunday), region's local day",
    )
    brief_hour: int = Field(
        default=7,
        ge=0,
        le=23,
        description="Local hour (WIB/WITA/WIT by region) from which the weekly brief is sent; "
        "the brief covers the 7 days before it, and a scheduler down then catches up that day",
    )
    brief_interval: timedelta = Field(
        default=timedelta(minutes=10), description="How often the brief job checks what is due"
    )
    # Outbound policy (issue 13): internal addresses are refused unless listed here.
    outbound_allow: str = Field(
        default="",
        description="Comma-separated hosts, addresses or networks (optional :port) that "
        "collectors, webhooks and alert channels may reach although internal",
    )
    tipline_bot_token: SecretStr | None = Field(
        default=None, description="Telegram bot token of the citizen tipline (never logged)"
    )
    tipline_api_url: str = Field(
        default="https://api.telegram.org", description="Telegram Bot API base URL (tipline)"
    )
    tipline_rate_limit: int = Field(
        default=10, ge=1, description="Tips one sender may send per tipline_rate_window"
    )
    tipline_rate_window: timedelta = Field(
        default=timedelta(hours=1), description="Window of the per-sender tipline limit"
    )
    tipline_poll_timeout: int = Field(
        default=25, ge=0, le=50, description="Seconds getUpdates long polling waits"
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        # Why: `warning` and `WARNING` mean the same to every logging user.
        return value.upper() if isinstance(value, str) else value

    @field_validator("outbound_allow")
    @classmethod
    def _check_allow(cls, value: str) -> str:
        parse_allow(value)  # raises ValueError naming the bad entry
        return value

    @field_validator("database_url", "read_database_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is not None and "://" not in value:
            raise ValueError("must be an SQLAlchemy URL such as postgresql+psycopg://u:p@h/db")
        return value

    @property
    def db_url(self) -> str:
        """Return the effective database URL."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'waspada.db'}"

    @property
    def is_sqlite(self) -> bool:
        """Tell whether the effective database is SQLite."""
        return self.db_url.startswith("sqlite")


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, raising SettingsError that names the variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "?"
            problems.append(f"{ENV_PREFIX}{field.upper()}: {err['msg']} (got {err.get('input')!r})")
        raise SettingsError("invalid settings: " + "; ".join(problems)) from None


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (built once)."""
    return load_settings()
