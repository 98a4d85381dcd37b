"""All configuration in one place, read from the environment (and a ``.env`` file if present).

Names follow what platforms provide (``PORT``, ``DATABASE_URL``, ``LOG_LEVEL``); everything of
meshbot's own starts with ``MESHBOT_``. The README lists every one with its default.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path
from typing import Literal, Self

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _xdg(variable: str, fallback: str) -> Path:
    return Path(os.environ.get(variable) or Path.home() / fallback)


def _default_index_path() -> Path:
    return _xdg("XDG_CACHE_HOME", ".cache") / "meshbot" / "knowledge.sqlite"


def _cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _default_database_url() -> str:
    return f"sqlite:///{_xdg('XDG_DATA_HOME', '.local/share') / 'meshbot' / 'state.sqlite'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MESHBOT_", env_file=".env", extra="ignore", populate_by_name=True
    )

    knowledge_dirs: str = Field(
        "", description="Colon-separated directories of an organisation's own knowledge files."
    )
    index_path: Path = Field(default_factory=_default_index_path)
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535, validation_alias=AliasChoices("PORT", "MESHBOT_PORT"))
    database_url: str = Field(
        default_factory=_default_database_url,
        validation_alias=AliasChoices("DATABASE_URL", "MESHBOT_DATABASE_URL"),
        description="sqlite:///path or postgresql://user@host/db",
    )
    api_keys: str = Field(
        "",
        description="Comma-separated sha256:<hex> hashes of API keys (meshbot apikey new). "
        "Empty: the API is open.",
    )
    rate_limit_per_minute: int = Field(120, ge=1, description="Requests per API key per minute.")
    redis_url: str | None = Field(
        None,
        validation_alias=AliasChoices("REDIS_URL", "MESHBOT_REDIS_URL"),
        description="redis://host:6379/0: rate limits shared by every replica. "
        "Unset: each process counts its own.",
    )
    session_ttl_hours: float = Field(168, gt=0, description="Decision conversations expire after.")
    max_body_bytes: int = Field(64 * 1024, ge=1024)
    scan_timeout_seconds: float = Field(
        10,
        gt=0,
        description="A manifest scan over HTTP or Slack running longer is stopped with a problem.",
    )
    allowed_hosts: str = Field(
        "*",
        description="Comma-separated Host names served (example.com, *.example.com); "
        "any other Host gets 400. `*` serves every Host.",
    )
    web_concurrency: int = Field(
        default_factory=_cores,
        ge=1,
        le=64,
        validation_alias=AliasChoices("WEB_CONCURRENCY", "MESHBOT_WEB_CONCURRENCY"),
        description="Worker processes of meshbot serve (Socket Mode always runs one).",
    )
    read_timeout_seconds: float = Field(
        10,
        gt=0,
        le=300,
        description="A request's head and body must arrive within this long of its first byte; "
        "slower clients are disconnected.",
    )
    public_url: str | None = Field(
        None,
        pattern=r"^https?://[^/\s]+(/\S*)?$",
        max_length=300,
        description="Where people reach meshbot's web pages (https://meshbot.example.com); "
        "Slack messages link a runbook or a decision to its page when set.",
    )
    slack_bot_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "MESHBOT_SLACK_BOT_TOKEN")
    )
    slack_signing_secret: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "MESHBOT_SLACK_SIGNING_SECRET"),
    )
    slack_app_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("SLACK_APP_TOKEN", "MESHBOT_SLACK_APP_TOKEN"),
        description="App-level token (xapp-…, connections:write) for Socket Mode.",
    )
    slack_client_id: str | None = Field(
        None, validation_alias=AliasChoices("SLACK_CLIENT_ID", "MESHBOT_SLACK_CLIENT_ID")
    )
    slack_client_secret: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("SLACK_CLIENT_SECRET", "MESHBOT_SLACK_CLIENT_SECRET"),
    )
    slack_api_base_url: str = Field(
        "https://slack.com/api/",
        validation_alias=AliasChoices("SLACK_API_BASE_URL", "MESHBOT_SLACK_API_BASE_URL"),
        description="Slack's Web API, GovSlack's, or a test server's.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias=AliasChoices("LOG_LEVEL", "MESHBOT_LOG_LEVEL")
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, url: str) -> str:
        if not url.startswith(
            ("sqlite:///", "postgres://", "postgresql://", "postgresql+psycopg://")
        ):
            raise ValueError("use sqlite:///path or postgresql://user@host/db")
        if not url.startswith("sqlite") and importlib.util.find_spec("psycopg") is None:
            raise ValueError("PostgreSQL needs its driver: pip install 'meshbot[postgres]'")
        return url

    @field_validator("redis_url")
    @classmethod
    def _redis(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("use redis://host:6379/0 (or rediss:// for TLS)")
        return url or None

    @field_validator("api_keys")
    @classmethod
    def _hashed_keys(cls, keys: str) -> str:
        for key in filter(None, (k.strip() for k in keys.split(","))):
            if not re.fullmatch(r"sha256:[0-9a-f]{64}", key):
                raise ValueError(
                    "each key must be a sha256:<64 hex> hash from `meshbot apikey new`"
                )
        return keys

    @model_validator(mode="after")
    def _slack_pair(self) -> Self:
        """One workspace needs a bot token; several need the OAuth client id and secret. Either
        way requests are verified with the signing secret (or arrive over Socket Mode). A
        half-configured Slack is a mistake, not "Slack off"."""
        if (self.slack_client_id is None) != (self.slack_client_secret is None):
            raise ValueError("set both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, or neither")
        if self.slack_bot_token is not None and self.slack_client_id is not None:
            raise ValueError(
                "set SLACK_BOT_TOKEN for one workspace or SLACK_CLIENT_ID and "
                "SLACK_CLIENT_SECRET for several, not both"
            )
        identity = self.slack_bot_token or self.slack_client_id
        partner = self.slack_signing_secret or self.slack_app_token
        if (identity is None) != (partner is None):
            raise ValueError(
                "set SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET) together with "
                "SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode), or none (Slack off)"
            )
        return self

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None or self.slack_client_id is not None

    @property
    def extra_knowledge_dirs(self) -> list[Path]:
        return [Path(part) for part in self.knowledge_dirs.split(":") if part.strip()]

    @property
    def allowed_host_names(self) -> frozenset[str]:
        return frozenset(h.strip().lower() for h in self.allowed_hosts.split(",") if h.strip())

    @property
    def api_key_hashes(self) -> list[str]:
        return [key.strip() for key in self.api_keys.split(",") if key.strip()]
