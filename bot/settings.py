"""All configuration in one place, read from ``MESHBOT_*`` environment variables."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_index_path() -> Path:
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "meshbot" / "knowledge.sqlite"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MESHBOT_", extra="ignore")

    knowledge_dirs: str = Field(
        "", description="Colon-separated directories of an organisation's own knowledge files."
    )
    index_path: Path = Field(default_factory=_default_index_path)
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)

    @property
    def extra_knowledge_dirs(self) -> list[Path]:
        return [Path(part) for part in self.knowledge_dirs.split(":") if part.strip()]
