"""Settings, read once from the environment (prefix ``TOUCHPOINT_``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./touchpoint.db"
_DATABASE_URL_FORMS = "sqlite:///path/to/file.db or postgresql://user:password@host/database"
# The drivers app/db.py turns into the async ones it ships.
_DATABASE_SCHEMES = frozenset(
    {
        *("sqlite", "sqlite+pysqlite", "sqlite+aiosqlite"),
        *("postgresql", "postgres", "postgresql+asyncpg", "postgresql+psycopg2"),
        "postgresql+psycopg",
    }
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TOUCHPOINT_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # Keyed hash of respondent ids. Unset: a random secret is generated once and kept in
    # the database (fine for trying it out; set it in production so a database dump alone
    # cannot be used to test guesses of respondent ids).
    secret_key: SecretStr | None = None
    # Previous secret keys, still used to find responses to erase after a rotation.
    old_secret_keys: list[SecretStr] = Field(default_factory=list)
    # SQLite durability: FULL survives power loss; NORMAL survives only a process crash.
    sqlite_synchronous: Literal["FULL", "NORMAL", "EXTRA"] = "FULL"
    sqlite_busy_timeout_ms: int = Field(default=10_000, ge=0)
    db_pool_size: int = Field(default=10, ge=1)
    # A PostgreSQL host that is gone without a word (no refusal) is an outage after this long.
    db_connect_timeout_seconds: float = Field(default=5.0, gt=0)
    # Revocations made through another worker reach this one within this many seconds.
    key_cache_seconds: float = Field(default=2.0, ge=0)
    # Group commit: most responses one transaction may carry.
    max_group_rows: int = Field(default=2000, ge=1)
    cors_origins: list[str] = Field(default_factory=list)
    # Customer-facing channels (widget, email links, kiosk); limits syntax "N/second|minute|hour".
    # Counted per process: with W workers on R replicas a client may get up to W×R times this.
    rate_limit_per_ip: str = "60/minute"
    rate_limit_per_key: str = "1200/minute"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # With --workers N, how long the supervisor waits for a worker's answer to its health
    # ping before it kills the worker (and every request the worker holds). A hung worker
    # is rare; a healthy one slowed by a saturated machine is not: README "Operations".
    worker_healthcheck_seconds: int = Field(default=30, ge=1)
    # After SIGTERM, how long requests in flight may take to finish; keep it below the
    # orchestrator's own kill timeout (Kubernetes: 30 s; `docker stop`: 10 s unless told).
    shutdown_grace_seconds: int = Field(default=30, ge=0)
    # Where customers reach this service, for the links in emails (https://feedback.example.com).
    # Unset: the address the request for the links came to, which behind a proxy or from an
    # internal network may not be one customers can open.
    public_url: str | None = None

    @field_validator("public_url")
    @classmethod
    def _absolute_http_url(cls, url: str | None) -> str | None:
        if url is None:
            return None
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                "an absolute http:// or https:// URL, e.g. https://feedback.example.com"
            )
        if parts.query or parts.fragment:
            raise ValueError("no query or fragment: the links are made by appending a path")
        return url.rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, url: str) -> str:
        # The URL itself is never repeated: it may hold a password.
        scheme, separator, _ = url.partition("://")
        if not separator:
            raise ValueError(f"not a URL: use {_DATABASE_URL_FORMS}")
        if scheme not in _DATABASE_SCHEMES:
            raise ValueError(f"{scheme}:// is not supported: use {_DATABASE_URL_FORMS}")
        return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
