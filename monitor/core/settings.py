"""The one place that reads WASPADA_* environment variables."""

from __future__ import annotations

import functools
from datetime import timedelta
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "WASPADA_"


class SettingsError(ValueError):
    """Raised when an environment variable holds an invalid value; names the variable."""


def _default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("waspada", appauthor=False))


class Settings(BaseSettings):
    """Typed runtime configuration, built once per process."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    data_dir: Path = Field(default_factory=_default_data_dir)
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default sqlite:///<data dir>/waspada.db"
    )
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["kv", "json"] = "kv"
    sources_file: Path | None = Field(
        default=None, description="TOML sources file; default the one shipped with Waspada"
    )
    db_wait: timedelta = Field(
        default=timedelta(seconds=30), description="How long start-up retries an unreachable DB"
    )
    session_secret: SecretStr | None = Field(
        default=None, description="Signs web session cookies; generated in the data dir if unset"
    )
    web_session_ttl: timedelta = Field(
        default=timedelta(hours=8), description="How long a web review page login lasts"
    )
    user_agent: str = "Waspada/0.1 (+https://github.com/waspada; election early-detection monitor)"
    http_timeout: float = Field(default=20.0, gt=0)
    http_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    scheduler_tick: timedelta = Field(default=timedelta(seconds=30))
    # Collectors (issue 4): politeness, backoff and scoring batch sizes.
    http_host_concurrency: int = Field(default=2, ge=1, description="Parallel requests per host")
    http_host_interval: float = Field(default=1.0, ge=0, description="Seconds between requests")
    source_max_failures: int = Field(default=10, ge=1, description="Failures before disabling")
    source_max_backoff: timedelta = Field(default=timedelta(hours=6))
    collect_batch: int = Field(default=8, ge=1, description="Sources claimed per scheduler tick")
    score_batch: int = Field(default=512, ge=1, description="Posts scored per batch")
    rescore_window: timedelta = Field(
        default=timedelta(days=7), description="How far back a promotion re-scores posts"
    )
    heartbeat_max_age: timedelta = Field(default=timedelta(seconds=120))
    claim_lease: timedelta = Field(default=timedelta(minutes=15))
    api_rate_limit: float = Field(default=20.0, gt=0, description="Requests/s per API key")
    api_rate_burst: int = Field(default=60, ge=1, description="Requests a key may burst")
    target_precision: float = Field(default=0.8, gt=0, lt=1)
    # Researchers' loop (issue 8): promotion guard and drift watch.
    promotion_max_precision_drop: float = Field(
        default=0.02, ge=0, lt=1, description="Largest per-label precision drop allowed"
    )
    drift_psi_bound: float = Field(
        default=0.25, gt=0, description="PSI of a label's daily scores vs validation that alerts"
    )
    drift_flag_rate_bound: float = Field(
        default=0.10, gt=0, le=1, description="Absolute flag-rate change vs validation that alerts"
    )
    drift_min_posts: int = Field(default=100, ge=1, description="Posts a day needs to be judged")
    drift_window: timedelta = Field(default=timedelta(days=1), description="Drift watch window")
    drift_interval: timedelta = Field(
        default=timedelta(hours=1), description="How often the drift watch job runs"
    )
    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = Field(
        default="https://api.telegram.org", description="Telegram Bot API base URL (alerts)"
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
    smtp_url: SecretStr | None = Field(default=None, description="smtp://user:pass@host:port")
    smtp_from: str = "waspada@localhost"

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        # Why: `warning` and `WARNING` mean the same to every logging user.
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
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
